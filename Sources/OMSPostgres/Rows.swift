/// The outcome of one successful statement: its rows (text form) and command tag.
public struct Rows: Sendable, RandomAccessCollection {
    /// Column names, in order.
    public let columns: [String]
    /// Each row's values, text or `nil` for NULL.
    public let values: [[String?]]
    /// The command tag, e.g. `UPDATE 1` or `SELECT 3`.
    public let commandTag: String
    /// Rows affected or returned, as the tag counts them (`PQcmdTuples`); nil for commands without a count.
    public let affectedRows: Int?

    /// Creates rows.
    public init(columns: [String], values: [[String?]], commandTag: String, affectedRows: Int?) {
        self.columns = columns
        self.values = values
        self.commandTag = commandTag
        self.affectedRows = affectedRows
    }

    /// 0.
    public var startIndex: Int { 0 }
    /// The number of rows.
    public var endIndex: Int { values.count }
    /// The row at `position`.
    public subscript(position: Int) -> Row { Row(columns: columns, values: values[position]) }
}

/// One row of a result: fields by column name or position.
public struct Row: Sendable {
    /// Column names, in order.
    public let columns: [String]
    /// Values in column order, text or `nil` for NULL.
    public let values: [String?]

    /// The field at `index`.
    public subscript(index: Int) -> Field { Field(column: columns[index], text: values[index]) }

    /// The first field named `column`; a field with a `missingColumn` marker when there is none,
    /// so the typed readers throw a `ValueError` that names it.
    public subscript(column: String) -> Field {
        guard let index = columns.firstIndex(of: column) else { return Field(column: column, text: nil, missing: true) }
        return Field(column: column, text: values[index])
    }
}

/// One value of a row, in PostgreSQL's text form, with typed readers.
public struct Field: Sendable, Hashable {
    /// The column name.
    public let column: String
    /// The text form, `nil` for NULL.
    public let text: String?
    let missing: Bool

    /// A field with the given text.
    public init(column: String, text: String?) {
        self.init(column: column, text: text, missing: false)
    }

    init(column: String, text: String?, missing: Bool) {
        self.column = column
        self.text = text
        self.missing = missing
    }

    /// True for SQL NULL.
    public var isNull: Bool { text == nil }

    /// `nil` for NULL, otherwise `read(self)`: `row["price"].optional { try $0.decimal() }`.
    public func optional<T>(_ read: (Field) throws -> T) throws -> T? {
        if missing { throw ValueError(column: column, value: nil, expected: "an existing column") }
        return isNull ? nil : try read(self)
    }
}

/// A field's text did not parse as the requested type (or was NULL, or the column does not exist).
public struct ValueError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The column.
    public let column: String
    /// The text that did not parse; nil for NULL.
    public let value: String?
    /// What the reader expected.
    public let expected: String

    /// Creates a value error.
    public init(column: String, value: String?, expected: String) {
        self.column = column
        self.value = value
        self.expected = expected
    }

    /// Column, value and the expected type.
    public var description: String {
        "column \(column): expected \(expected), got \(value.map { "'\($0)'" } ?? "NULL")"
    }
}
