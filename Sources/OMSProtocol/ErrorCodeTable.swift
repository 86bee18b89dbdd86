import OMSCore

/// The stable numeric JSON-RPC code of every `OMSError.Code`.
///
/// Numbers come from the range JSON-RPC reserves for implementation-defined
/// server errors (-32000 … -32099) and are assigned one by one, never derived
/// from case order, so adding a code cannot renumber the others. The switch
/// is exhaustive on purpose: a new `OMSError.Code` does not compile until it
/// gets its own number here. Never reuse or change a number.
public enum ErrorCodeTable {
    /// The number for `code`.
    public static func number(for code: OMSError.Code) -> Int {
        switch code {
        case .orderNotFound: -32001
        case .invalidState: -32002
        case .fieldLocked: -32003
        case .cancelNotAuthorized: -32004
        case .invalidInstrument: -32005
        case .invalidPortfolio: -32006
        case .invalidOrderType: -32007
        case .duplicateOrder: -32008
        case .permissionDenied: -32009
        case .invalidArgument: -32010
        case .overfill: -32011
        case .unauthenticated: -32012
        case .invalidAccount: -32013
        case .duplicateFill: -32014
        case .placementNotFound: -32015
        case .placementExceedsUnfilled: -32016
        case .alreadyExists: -32017
        case .notFound: -32018
        case .tenantNotFound: -32019
        case .conflict: -32020
        case .unavailable: -32021
        case .internalError: -32022
        case .allocationIncomplete: -32023
        case .overAllocation: -32024
        case .basketConflict: -32025
        case .limitExceeded: -32026
        case .rateLimited: -32027
        case .idempotencyKeyReused: -32028
        }
    }

    /// The code whose number is `number`, or nil when none has it.
    public static func code(for number: Int) -> OMSError.Code? {
        byNumber[number]
    }

    /// Every code with its number, in number order (-32001 first); for docs and `rpc.discover`.
    public static let all: [(code: OMSError.Code, number: Int)] =
        OMSError.Code.allCases.map { ($0, number(for: $0)) }.sorted { $0.number > $1.number }

    private static let byNumber: [Int: OMSError.Code] =
        Dictionary(uniqueKeysWithValues: OMSError.Code.allCases.map { (number(for: $0), $0) })
}
