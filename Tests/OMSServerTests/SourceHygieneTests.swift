import Foundation
import Testing

/// Holds the sources to the project standard that no request or probe may
/// trap the sidecar: a force unwrap (`x!`, `try!`, `as!`) in a module that
/// serves requests either goes, or says on its line why it cannot fail.
@Suite("Source hygiene")
struct SourceHygieneTests {
    /// The modules a request, a subscription or a probe runs through.
    static let modules = ["OMSServer", "OMSStore", "OMSCore", "OMSProtocol", "OMSPostgres"]

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")

    /// `x!`, `f()!`, `a[i]!` (not `!=`), `try!` and `as!`, in code with its string literals removed.
    static var forceUnwrap: Regex<Substring> { /[A-Za-z0-9_)\]]!(?!=)/ }

    /// `file:line: code` for each force unwrap without a `// safe:` reason on its line.
    static func unexplainedForceUnwraps() throws -> [String] {
        var found: [String] = []
        for module in modules {
            let directory = sources.appendingPathComponent(module)
            let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
            for file in files.sorted(by: { $0.path < $1.path }) {
                let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                for (index, line) in lines.enumerated() {
                    let stripped = String(line).replacing(/"(\\.|[^"\\])*"/, with: "\"\"")
                    let parts = stripped.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false)
                    let code = String(parts.first ?? "")
                    let comment = parts.count > 1 ? String(parts[1]) : ""
                    guard code.contains(forceUnwrap), !comment.trimmingCharacters(in: .whitespaces).hasPrefix("safe:") else { continue }
                    found.append("\(module)/\(file.lastPathComponent):\(index + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        return found
    }

    @Test("no force unwrap on a request or probe path, except ones that say on their line why they are safe")
    func noUnexplainedForceUnwraps() throws {
        let found = try Self.unexplainedForceUnwraps()
        #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
        // The scan itself must see the sources, or it proves nothing.
        #expect(FileManager.default.fileExists(atPath: Self.sources.appendingPathComponent("OMSServer/Readiness.swift").path))
    }
}
