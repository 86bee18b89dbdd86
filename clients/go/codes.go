package oms

// The stable codes of docs/api.md, domain codes first, then JSON-RPC's own.
const (
	CodeOrderNotFound            Code = "ORDER_NOT_FOUND"
	CodeInvalidState             Code = "INVALID_STATE"
	CodeFieldLocked              Code = "FIELD_LOCKED"
	CodeCancelNotAuthorized      Code = "CANCEL_NOT_AUTHORIZED"
	CodeInvalidInstrument        Code = "INVALID_INSTRUMENT"
	CodeInvalidPortfolio         Code = "INVALID_PORTFOLIO"
	CodeInvalidOrderType         Code = "INVALID_ORDER_TYPE"
	CodeDuplicateOrder           Code = "DUPLICATE_ORDER"
	CodePermissionDenied         Code = "PERMISSION_DENIED"
	CodeInvalidArgument          Code = "INVALID_ARGUMENT"
	CodeOverfill                 Code = "OVERFILL"
	CodeUnauthenticated          Code = "UNAUTHENTICATED"
	CodeInvalidAccount           Code = "INVALID_ACCOUNT"
	CodeDuplicateFill            Code = "DUPLICATE_FILL"
	CodePlacementNotFound        Code = "PLACEMENT_NOT_FOUND"
	CodePlacementExceedsUnfilled Code = "PLACEMENT_EXCEEDS_UNFILLED"
	CodeAlreadyExists            Code = "ALREADY_EXISTS"
	CodeNotFound                 Code = "NOT_FOUND"
	CodeTenantNotFound           Code = "TENANT_NOT_FOUND"
	CodeConflict                 Code = "CONFLICT"
	CodeUnavailable              Code = "UNAVAILABLE"
	CodeInternal                 Code = "INTERNAL"
	CodeAllocationIncomplete     Code = "ALLOCATION_INCOMPLETE"
	CodeOverAllocation           Code = "OVER_ALLOCATION"
	CodeBasketConflict           Code = "BASKET_CONFLICT"
	CodeLimitExceeded            Code = "LIMIT_EXCEEDED"
	CodeRateLimited              Code = "RATE_LIMITED"
	CodeIdempotencyKeyReused     Code = "IDEMPOTENCY_KEY_REUSED"

	CodeParseError     Code = "PARSE_ERROR"
	CodeInvalidRequest Code = "INVALID_REQUEST"
	CodeMethodNotFound Code = "METHOD_NOT_FOUND"
	CodeInvalidParams  Code = "INVALID_PARAMS"
	CodeInternalRPC    Code = "INTERNAL_ERROR"
)

// One sentinel per stable code, for errors.Is.
var (
	ErrOrderNotFound            = sentinel(CodeOrderNotFound, -32001)
	ErrInvalidState             = sentinel(CodeInvalidState, -32002)
	ErrFieldLocked              = sentinel(CodeFieldLocked, -32003)
	ErrCancelNotAuthorized      = sentinel(CodeCancelNotAuthorized, -32004)
	ErrInvalidInstrument        = sentinel(CodeInvalidInstrument, -32005)
	ErrInvalidPortfolio         = sentinel(CodeInvalidPortfolio, -32006)
	ErrInvalidOrderType         = sentinel(CodeInvalidOrderType, -32007)
	ErrDuplicateOrder           = sentinel(CodeDuplicateOrder, -32008)
	ErrPermissionDenied         = sentinel(CodePermissionDenied, -32009)
	ErrInvalidArgument          = sentinel(CodeInvalidArgument, -32010)
	ErrOverfill                 = sentinel(CodeOverfill, -32011)
	ErrUnauthenticated          = sentinel(CodeUnauthenticated, -32012)
	ErrInvalidAccount           = sentinel(CodeInvalidAccount, -32013)
	ErrDuplicateFill            = sentinel(CodeDuplicateFill, -32014)
	ErrPlacementNotFound        = sentinel(CodePlacementNotFound, -32015)
	ErrPlacementExceedsUnfilled = sentinel(CodePlacementExceedsUnfilled, -32016)
	ErrAlreadyExists            = sentinel(CodeAlreadyExists, -32017)
	ErrNotFound                 = sentinel(CodeNotFound, -32018)
	ErrTenantNotFound           = sentinel(CodeTenantNotFound, -32019)
	ErrConflict                 = sentinel(CodeConflict, -32020)
	ErrUnavailable              = sentinel(CodeUnavailable, -32021)
	ErrInternal                 = sentinel(CodeInternal, -32022)
	ErrAllocationIncomplete     = sentinel(CodeAllocationIncomplete, -32023)
	ErrOverAllocation           = sentinel(CodeOverAllocation, -32024)
	ErrBasketConflict           = sentinel(CodeBasketConflict, -32025)
	ErrLimitExceeded            = sentinel(CodeLimitExceeded, -32026)
	ErrRateLimited              = sentinel(CodeRateLimited, -32027)
	ErrIdempotencyKeyReused     = sentinel(CodeIdempotencyKeyReused, -32028)

	ErrParseError     = sentinel(CodeParseError, -32700)
	ErrInvalidRequest = sentinel(CodeInvalidRequest, -32600)
	ErrMethodNotFound = sentinel(CodeMethodNotFound, -32601)
	ErrInvalidParams  = sentinel(CodeInvalidParams, -32602)
	ErrInternalRPC    = sentinel(CodeInternalRPC, -32603)

	// ErrConnectionLost is a call whose connection dropped before its answer
	// and that the client may not send again (a subscribe or oms.unsubscribe;
	// every other call is repeated on a new connection). It is also
	// ErrUnavailable.
	ErrConnectionLost = &Error{Code: CodeUnavailable, Number: -32021, sentinel: true, lost: true,
		Message: "the connection dropped before the answer came"}
)

// Sentinels returns every code's sentinel, in docs/api.md's order.
func Sentinels() []*Error { return append([]*Error(nil), sentinels...) }

// sentinels is the table behind Sentinels and codeByNumber; a code the server
// publishes without a sentinel here fails TestEveryPublishedCodeHasASentinel.
var sentinels = []*Error{
	ErrOrderNotFound, ErrInvalidState, ErrFieldLocked, ErrCancelNotAuthorized, ErrInvalidInstrument,
	ErrInvalidPortfolio, ErrInvalidOrderType, ErrDuplicateOrder, ErrPermissionDenied, ErrInvalidArgument,
	ErrOverfill, ErrUnauthenticated, ErrInvalidAccount, ErrDuplicateFill, ErrPlacementNotFound,
	ErrPlacementExceedsUnfilled, ErrAlreadyExists, ErrNotFound, ErrTenantNotFound, ErrConflict,
	ErrUnavailable, ErrInternal, ErrAllocationIncomplete, ErrOverAllocation, ErrBasketConflict,
	ErrLimitExceeded, ErrRateLimited, ErrIdempotencyKeyReused,
	ErrParseError, ErrInvalidRequest, ErrMethodNotFound, ErrInvalidParams, ErrInternalRPC,
}

// codeByNumber names an error whose data carries no code (JSON-RPC's own errors).
var codeByNumber = func() map[int]Code {
	table := make(map[int]Code, len(sentinels))
	for _, s := range sentinels {
		table[s.Number] = s.Code
	}
	return table
}()

func sentinel(code Code, number int) *Error {
	return &Error{Code: code, Number: number, sentinel: true}
}
