import Foundation
import NIOCore
import OMSCore
import PostgresNIO

// PostgreSQL's numeric keeps the scale it is given (`'150.20'::numeric`
// stays 150.20, a sum keeps the largest scale), but PostgresNIO's Decimal
// coding drops it both ways. An ExactDecimal is therefore bound as numeric in
// text format (PostgreSQL parses "150.20" itself) and read from the binary
// numeric's display scale (dscale), so a value leaves the database with the
// scale it entered with.

extension ExactDecimal: PostgresNonThrowingEncodable {
    public static var psqlType: PostgresDataType { .numeric }
    public static var psqlFormat: PostgresFormat { .text }

    public func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        byteBuffer.writeString(description)
    }
}

extension ExactDecimal: PostgresDecodable {
    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        switch (format, type) {
        case (.binary, .numeric):
            // Header: ndigits, weight, sign, dscale (Int16 each, network order).
            guard let dscale = buffer.getInteger(at: buffer.readerIndex + 6, as: UInt16.self) else {
                throw PostgresDecodingError.Code.failure
            }
            let value = try Decimal(from: &buffer, type: type, format: format, context: context)
            self.init(value, scale: Int(dscale))
        case (.text, .numeric):
            guard let text = buffer.readString(length: buffer.readableBytes), let value = ExactDecimal(text) else {
                throw PostgresDecodingError.Code.failure
            }
            self = value
        default:
            throw PostgresDecodingError.Code.typeMismatch
        }
    }
}
