import Foundation
import OMSPostgres
import Testing

@Suite("Text values through a real server")
struct ValueTests {
    let connection: Connection

    init() async throws {
        connection = try await TestDatabase("pq_values").connect()
    }

    private func echo(_ text: String?, as type: String) async throws -> Field {
        try await connection.query("SELECT $1::\(type) AS v", [text])[0]["v"]
    }

    @Test("numeric keeps its scale as text and reads as an exact Decimal")
    func numericScale() async throws {
        let price = try await echo("150.20", as: "numeric(18,2)")
        #expect(try price.numericText() == "150.20")
        #expect(try price.decimal() == Decimal(string: "150.2")!)
        let computed = try await connection.query("SELECT 100.10 * 1.5 AS v")[0]["v"]
        #expect(try computed.numericText() == "150.150")
    }

    @Test("big and tiny numerics come back exactly; Decimal refuses what it cannot hold")
    func bigAndTiny() async throws {
        let big = "123456789012345678901234567890123456789012345.6789"
        #expect(try await echo(big, as: "numeric").numericText() == big)
        #expect(throws: ValueError.self) { try ValueTests.decimal(big) }
        let tiny = "0.000000000000000000000000000001"
        let tinyField = try await echo(tiny, as: "numeric")
        #expect(try tinyField.numericText() == tiny)
        #expect(try tinyField.decimal() == Decimal(sign: .plus, exponent: -30, significand: 1))
        let negative = try await echo("-99999999999999999999.99", as: "numeric")
        #expect(try negative.decimal() == Decimal(string: "-99999999999999999999.99")!)
        #expect(throws: ValueError.self) { try ValueTests.decimal("NaN") }
    }

    private static func decimal(_ text: String) throws -> Decimal {
        try Field(column: "v", text: text).decimal()
    }

    @Test("timestamptz round-trips a Date to the microsecond in UTC")
    func timestamps() async throws {
        let date = Date(timeIntervalSince1970: 1_796_365_500.123456)
        let field = try await echo(PostgresText.timestamp(date), as: "timestamptz")
        #expect(try field.string() == "2026-12-04 06:25:00.123456+00")
        #expect(try field.date() == date)
        let epoch = try await connection.query(
            "SELECT extract(epoch FROM $1::timestamptz)::text AS e", [PostgresText.timestamp(date)]
        )
        #expect(try epoch[0]["e"].string() == "1796365500.123456")
        let whole = try await echo("1999-12-31 23:59:59+00", as: "timestamptz")
        #expect(try whole.date() == Date(timeIntervalSince1970: 946_684_799))
        #expect(throws: ValueError.self) { try Field(column: "t", text: "infinity").date() }
    }

    @Test("NULL goes in as nil and comes out as nil; typed readers refuse it")
    func nulls() async throws {
        let field = try await echo(nil, as: "text")
        #expect(field.isNull)
        #expect(try field.optional { try $0.string() } == nil)
        #expect(throws: ValueError.self) { try field.string() }
        let rows = try await connection.query("SELECT $1::int IS NULL AS n, $2::int AS two", [nil, "2"])
        #expect(try rows[0]["n"].bool())
        #expect(try rows[0]["two"].optional { try $0.int() } == 2)
        #expect(throws: ValueError.self) { try rows[0]["missing"].string() }
    }

    @Test("jsonb comes back as the server's normalized text")
    func jsonb() async throws {
        let field = try await echo(#"{"b": 1, "a": [1, 2.50], "c": null}"#, as: "jsonb")
        #expect(try field.json() == #"{"a": [1, 2.50], "b": 1, "c": null}"#)
        let json = try await echo(#"{"b":1,  "a":2}"#, as: "json")
        #expect(try json.json() == #"{"b":1,  "a":2}"#)
    }

    @Test("text[] round-trips quotes, commas, backslashes, NULL and the word NULL")
    func arrays() async throws {
        let elements: [String?] = ["plain", "with space", "comma,brace}", #"quote " and \ slash"#, nil, "NULL", ""]
        let field = try await echo(PostgresText.array(elements), as: "text[]")
        #expect(try field.array() == elements)
        #expect(try await echo("{}", as: "text[]").array() == [])
        let numbers = try await connection.query("SELECT ARRAY[1.50, 2.25]::numeric[] AS v")[0]["v"]
        #expect(try numbers.array() == ["1.50", "2.25"])
        #expect(throws: ValueError.self) { try Field(column: "m", text: "{{1,2},{3,4}}").array() }
    }

    @Test("bytea round-trips every byte value")
    func bytea() async throws {
        let data = Data((0...255).map { UInt8($0) })
        let field = try await echo(PostgresText.bytea(data), as: "bytea")
        #expect(try field.bytes() == data)
        #expect(try await echo(PostgresText.bytea(Data()), as: "bytea").bytes() == Data())
    }

    @Test("bool and integers read as Swift values")
    func scalars() async throws {
        let rows = try await connection.query(
            "SELECT $1::bool AS yes, false AS no, 9223372036854775807::int8 AS big, -5::int2 AS small",
            [PostgresText.bool(true)]
        )
        #expect(try rows[0]["yes"].bool())
        #expect(try !rows[0]["no"].bool())
        #expect(try rows[0]["big"].int64() == .max)
        #expect(try rows[0]["small"].int() == -5)
        #expect(throws: ValueError.self) { try rows[0]["yes"].int() }
    }
}

@Suite("PostgresText without a server")
struct PostgresTextTests {
    @Test("timestamps with other offsets and without fractions parse to the right instant")
    func offsets() {
        #expect(PostgresText.date("2026-12-04 11:35:00.5+05:30") == Date(timeIntervalSince1970: 1_796_364_300.5))
        #expect(PostgresText.date("1969-12-31 23:59:59.999999+00") == Date(timeIntervalSince1970: -0.000001))
        #expect(PostgresText.timestamp(Date(timeIntervalSince1970: -0.000001)) == "1969-12-31 23:59:59.999999+00")
        #expect(PostgresText.date("2026-12-04 06:05:00") == nil)
        #expect(PostgresText.date("0044-03-15 12:00:00+00 BC") == nil)
    }

    @Test("array text that is not one-dimensional is refused")
    func malformedArrays() {
        #expect(PostgresText.array("{a,b") == nil)
        #expect(PostgresText.array("[1:2]={a,b}") == nil)
        #expect(PostgresText.array(#"{"a"b}"#) == nil)
        #expect(PostgresText.array("{a,NULL,null}") == ["a", nil, nil])
    }

    @Test("a statement's name depends on its SQL and parameter types only")
    func statementNames() {
        #expect(Statement("SELECT $1", parameterTypes: [.int4]).name == Statement("SELECT $1", parameterTypes: [.int4]).name)
        #expect(Statement("SELECT $1", parameterTypes: [.int4]).name != Statement("SELECT $1", parameterTypes: [.int8]).name)
        #expect(Statement("SELECT 1").name.count == 20)
    }
}
