/// The numbered migrations of `sql/`, in order, as shipped in the binary.
/// `all` is written at build time from the files of `sql/` by the
/// BundleMigrations plugin, so the SQL is written in one place only.
public enum BundledMigrations {}
