import Foundation
import NIOCore
import OMSCore
import Testing
@testable import OMSProtocol

/// Generative test of everything a client's bytes reach before a method
/// runs: the line framer and the request decoder.
///
/// Each input is one generated line (a mutated request or batch, or random
/// bytes); every input is decoded on its own and also framed as part of a
/// stream of a few lines with random separators, chunk boundaries and line
/// limit. `OMS_FUZZ_SEED` and `OMS_FUZZ_COUNT` override the seed and the
/// number of inputs; the seed is printed so a failure can be replayed.
@Suite("Fuzzing the framer and the request decoder")
struct FuzzTests {
    static let seed: UInt64 = ProcessInfo.processInfo.environment["OMS_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20_261_126
    static let count = ProcessInfo.processInfo.environment["OMS_FUZZ_COUNT"].flatMap { Int($0) } ?? 1_000_000
    /// The run is cut into chunks, each with its own generator. They run one
    /// after another on purpose: in parallel they take both cores of a
    /// 2-core machine and starve the timing-sensitive tests running beside
    /// them in `swift test` (the fault and benchmark smoke tests); one at a
    /// time the run holds one core.
    static let workers = 4

    @Test("a million generated inputs: every line decodes to a defined result with a stable code, and framing does not depend on chunking")
    func fuzz() async throws {
        let clock = ContinuousClock(), started = clock.now
        var reports = FuzzReport()
        for worker in 0..<Self.workers {
            let share = Self.count / Self.workers + (worker < Self.count % Self.workers ? 1 : 0)
            var run = FuzzRun(seed: Self.seed, worker: worker)
            reports.merge(await run.run(inputs: share))
        }
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("fuzz: seed \(Self.seed), \(reports.inputs) inputs (\(reports.streams) streams, \(reports.frames) frames, "
              + "\(reports.tooLong) too long, \(reports.parseErrors) parse errors) in \(String(format: "%.2f", seconds)) s, "
              + "\(Int(Double(reports.inputs) / max(seconds, 0.001))) inputs/s; replay with OMS_FUZZ_SEED=\(Self.seed)")
        #expect(reports.inputs == Self.count)
        #expect(reports.failures.isEmpty, """
            failing inputs by property: \(reports.properties.sorted { $0.key < $1.key }); first: \(reports.failures.prefix(5))
            """)
        // The generator must reach every interesting outcome, or the properties were checked on nothing.
        if Self.count >= 10_000 {
            #expect(reports.tooLong > 0 && reports.parseErrors > 0 && reports.successes > 0 && reports.batches > 0)
        }
    }
}

/// What a run saw, and the inputs that broke a property.
struct FuzzReport: Sendable {
    var inputs = 0, streams = 0, frames = 0, tooLong = 0, parseErrors = 0, successes = 0, batches = 0
    var failures: [String] = []
    /// How many inputs broke each property.
    var properties: [String: Int] = [:]

    mutating func merge(_ other: FuzzReport) {
        properties.merge(other.properties, uniquingKeysWith: +)
        inputs += other.inputs; streams += other.streams; frames += other.frames; tooLong += other.tooLong
        parseErrors += other.parseErrors; successes += other.successes; batches += other.batches
        failures += other.failures.prefix(max(0, 20 - failures.count))
    }
}

/// A frame reduced to plain bytes, to compare runs and the model.
enum Frame: Equatable {
    case line([UInt8])
    case tooLong
    /// The processor threw: `PayloadTooLargeError` when the framer buffered past its bound.
    case threw(String)
}

struct FuzzRun {
    let seed: UInt64
    let worker: Int
    private var rng: SplitMix64
    private var report = FuzzReport()

    init(seed: UInt64, worker: Int) {
        self.seed = seed
        self.worker = worker
        rng = SplitMix64(seed: seed &+ UInt64(worker) &* 0xD1B5_4A32_D192_ED03)
    }

    /// Yields every few hundred inputs: the run is pure computation, and without
    /// suspension points it would hold threads of the cooperative pool that the
    /// suites running beside it (servers, clients) need.
    mutating func run(inputs: Int) async -> FuzzReport {
        var stream: [UInt8] = []
        var linesInStream = 0, streamLimit = 1 + rng.below(12)
        for input in 0..<inputs {
            if input % 256 == 0 { await Task.yield() }
            var line = FuzzInputs.line(&rng)
            if rng.oneIn(20) { line = FuzzLine(bytes: filler(around: 16 + rng.below(100)), expectation: nil) }
            check(line, input: input)
            report.inputs += 1
            stream += line.bytes
            linesInStream += 1
            if linesInStream < streamLimit || input == inputs - 1 {
                stream += separators[rng.below(separators.count)]
            }
            if linesInStream == streamLimit || input == inputs - 1 {
                checkFraming(stream, input: input)
                stream.removeAll(keepingCapacity: true)
                linesInStream = 0
                streamLimit = 1 + rng.below(12)
            }
        }
        return report
    }

    /// `\r\n` and empty lines between requests; the last line of a stream may end without one.
    private let separators: [[UInt8]] = [[10], [10], [13, 10], [10, 10], [13, 10, 13, 10], [13, 10, 10], []]

    /// A line of `length` bytes of printable filler: with a limit chosen around it, tests lines at the limit.
    private mutating func filler(around length: Int) -> [UInt8] {
        (0..<length).map { _ in UInt8(ascii: "a") + UInt8(rng.below(26)) }
    }

    // MARK: Decoder properties

    private mutating func check(_ line: FuzzLine, input: Int) {
        let inbound = RPCCodec.decode(line: line.bytes)
        var problems: [String] = []
        defer { for problem in problems { failure(problem, input: input, bytes: line.bytes) } }
        func fail(_ why: String) { problems.append(why) }

        let parses: Bool
        switch inbound {
        case .single(.failure(let failure)) where failure.error.code == -32700:
            parses = false
            report.parseErrors += 1
            if failure.id != nil { fail("a parse error carries an id") }
            checkError(failure, input: input, bytes: line.bytes)
        case .single(let item):
            parses = true
            checkItem(item, input: input, bytes: line.bytes)
        case .batch(let items):
            parses = true
            report.batches += 1
            if items.isEmpty { fail("empty batch result") }
            // Sampled: the whole answer to a batch is the costly part of an input.
            if rng.oneIn(4) { for item in items { checkItem(item, input: input, bytes: line.bytes) } }
        }
        if parses, String(validating: line.bytes, as: UTF8.self) == nil { fail("invalid UTF-8 was accepted") }
        switch line.expectation {
        case .parses? where !parses: fail("a valid line did not parse")
        case .parseError? where parses: fail("an invalid line parsed")
        default: break
        }
    }

    /// A request must survive its own encoding; a refusal must be an invalid request with a well-formed answer.
    private mutating func checkItem(_ item: Result<RPCRequest, RPCFailure>, input: Int, bytes: [UInt8]) {
        switch item {
        case .success(let request):
            report.successes += 1
            guard rng.oneIn(4) else { return }  // sampled: the round trip costs two more passes
            let again = RPCCodec.decode(line: RPCCodec.encodeRequest(request))
            if again != .single(.success(request)) { failure("request does not round-trip", input: input, bytes: bytes) }
        case .failure(let failure):
            if failure.error.code != -32600 { self.failure("item refused with \(failure.error.code)", input: input, bytes: bytes) }
            checkError(failure, input: input, bytes: bytes)
        }
    }

    /// Every refusal is a JSON-RPC standard code with a message, and its answer line reads back as the same error.
    private mutating func checkError(_ failure: RPCFailure, input: Int, bytes: [UInt8]) {
        guard [-32700, -32600].contains(failure.error.code), !failure.error.message.isEmpty,
              ErrorCodeTable.code(for: failure.error.code) == nil
        else { return self.failure("unexpected error \(failure.error)", input: input, bytes: bytes) }
        guard rng.oneIn(8) else { return }  // sampled: encoding answers is not what is under test
        let answer = RPCCodec.encodeError(id: failure.id, error: failure.error)
        guard (try? RPCCodec.decodeResponse(line: answer)) == .response(id: failure.id, result: .failure(failure.error))
        else { return self.failure("error answer does not read back", input: input, bytes: bytes) }
    }

    // MARK: Framing properties

    /// The same frames as the model, whether the stream arrives whole, in random chunks, or (sometimes) byte by
    /// byte; and never more buffered than the limit allows.
    private mutating func checkFraming(_ stream: [UInt8], input: Int) {
        report.streams += 1
        let lines = Self.lineRanges(stream)
        let longest = lines.map(\.count).max() ?? 0
        // Around the longest line half the time, so lines at, just under and just over the limit are common.
        let limit = rng.oneIn(2) ? max(1, longest - 2 + rng.below(4)) : 1 + rng.below(256)
        let expected = Self.model(stream, lines: lines, limit: limit)
        // Chunks are slices of one buffer: no copy per chunk.
        let buffer = ByteBuffer(bytes: stream)
        var chunks: [ByteBuffer] = []
        var at = 0
        let byteByByte = rng.oneIn(50)
        while at < stream.count {
            let size = min(stream.count - at, byteByByte ? 1 : 1 + rng.below(max(1, stream.count / 2)))
            chunks.append(buffer.getSlice(at: at, length: size)!)
            at += size
        }
        // Arriving whole is checked for a quarter of the streams; the model already stands for it.
        let whole = rng.oneIn(4) ? Self.frames([buffer], limit: limit) : expected
        let chunked = Self.frames(chunks, limit: limit)
        report.frames += whole.count
        report.tooLong += whole.filter { $0 == .tooLong }.count
        if whole != expected || chunked != expected {
            let threw = (whole + chunked).contains { if case .threw = $0 { true } else { false } }
            let what = threw ? "the framer threw (buffered past its bound?)"
                : whole != expected ? "framing the whole stream differs from the model" : "framing in chunks differs from the model"
            failure("\(what): limit \(limit), chunks \(chunks.map(\.readableBytes)), model \(expected.count) frames, "
                    + "whole \(whole.count), chunked \(chunked.count)", input: input, bytes: stream)
        }
    }

    static func frames(_ chunks: [ByteBuffer], limit: Int) -> [Frame] {
        // The framer holds at most the limit (+1 for a pending `\r`) of an unfinished line, plus the chunk just read:
        // more means an over-long line is being buffered instead of refused.
        let bound = limit + 1 + (chunks.map(\.readableBytes).max() ?? 0)
        let processor = NIOSingleStepByteToMessageProcessor(LineFrameDecoder(maximumLineLength: limit),
                                                            maximumBufferSize: bound)
        var frames: [Frame] = []
        func receive(_ frame: LineFrame) {
            switch frame {
            case .line(let buffer): frames.append(.line(Array(buffer.readableBytesView)))
            case .tooLong: frames.append(.tooLong)
            }
        }
        do {
            for chunk in chunks { try processor.process(buffer: chunk, receive) }
            try processor.finishProcessing(seenEOF: true, receive)
        } catch {
            frames.append(.threw("\(error)"))
        }
        return frames
    }

    /// What the framer must produce, written as plainly as possible: split on
    /// `\n`, drop one trailing `\r`, skip empty lines, stop at the first line over the limit.
    static func model(_ stream: [UInt8], lines: [Range<Int>], limit: Int) -> [Frame] {
        var frames: [Frame] = []
        for var line in lines {
            if !line.isEmpty, stream[line.upperBound - 1] == 13 { line = line.lowerBound..<(line.upperBound - 1) }
            if line.count > limit { frames.append(.tooLong); return frames }
            if !line.isEmpty { frames.append(.line(Array(stream[line]))) }
        }
        return frames
    }

    /// The stream split on every `\n` (the last range is what follows the last `\n`), found with
    /// `memchr`: a byte-by-byte split in a debug build would cost more than the framer under test.
    static func lineRanges(_ stream: [UInt8]) -> [Range<Int>] {
        stream.withUnsafeBytes { bytes in
            var ranges: [Range<Int>] = []
            var start = 0
            while start <= bytes.count {
                let rest = bytes.count - start
                let found = rest == 0 ? nil : memchr(bytes.baseAddress! + start, 10, rest)
                guard let found else {
                    ranges.append(start..<bytes.count)
                    break
                }
                let end = bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
                ranges.append(start..<end)
                start = end + 1
            }
            return ranges
        }
    }

    private mutating func failure(_ why: String, input: Int, bytes: [UInt8]) {
        report.properties[String(why.prefix { $0 != ":" && $0 != "(" }).trimmingCharacters(in: .whitespaces), default: 0] += 1
        guard report.failures.count < 20 else { return }
        let shown = bytes.prefix(300).map { (32..<127).contains($0) ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }
        report.failures.append("worker \(worker) input \(input): \(why): \(shown.joined())")
    }
}
