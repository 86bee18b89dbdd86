import Foundation
import PackagePlugin

/// Bundles the numbered migrations of `sql/` into the target at build time:
/// `scripts/bundle-migrations` writes one Swift file holding every
/// migration's SQL text as written, so the `oms` binary ships its schema
/// and `sql/` stays the one place the SQL is written. The build runs it
/// again whenever a file in `sql/` changes.
@main
struct BundleMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let root = context.package.directoryURL
        let folder = root.appending(path: "sql")
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let script = root.appending(path: "scripts/bundle-migrations")
        let output = context.pluginWorkDirectoryURL.appending(path: "BundledMigrations+SQL.swift")
        return [
            .buildCommand(
                displayName: "Bundling \(files.count) migrations of sql/",
                executable: URL(filePath: "/bin/sh"),
                arguments: [script.path(percentEncoded: false), output.path(percentEncoded: false)]
                    + files.map { $0.path(percentEncoded: false) },
                inputFiles: [script] + files,
                outputFiles: [output])
        ]
    }
}
