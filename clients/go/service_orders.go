package oms

import (
	"context"

	"github.com/shopspring/decimal"
)

// OMSService holds the methods of the server's catalogue (Client.OMS).
// Every method takes a context (its deadline and cancellation are honoured)
// and CallOptions; every mutating one carries an idempotency key.
type OMSService struct {
	client *Client
}

func (s *OMSService) order(ctx context.Context, method string, p params, opts []CallOption) (*Order, error) {
	var result Order
	if err := s.client.call(ctx, method, p, &result, opts); err != nil {
		return nil, err
	}
	return &result, nil
}

func (s *OMSService) orderCommand(ctx context.Context, method, orderID string, opts []CallOption) (*Order, error) {
	return s.order(ctx, method, params{"order_id": orderID}, opts)
}

// CreateOrder creates an order in state CREATED and returns its id (oms.create_order, PM).
func (s *OMSService) CreateOrder(ctx context.Context, req *CreateOrderRequest, opts ...CallOption) (string, error) {
	var result struct {
		OrderID string `json:"order_id"`
	}
	err := s.client.call(ctx, "oms.create_order", req.params(), &result, opts)
	return result.OrderID, err
}

// UpdateOrder changes an order's fields and returns the order (oms.update_order).
func (s *OMSService) UpdateOrder(ctx context.Context, orderID string, changes *OrderChanges, opts ...CallOption) (*Order, error) {
	return s.order(ctx, "oms.update_order", params{"order_id": orderID, "changes": changes.wire()}, opts)
}

// CancelOrder cancels an order (oms.cancel_order; WithReason gives a reason).
func (s *OMSService) CancelOrder(ctx context.Context, orderID string, opts ...CallOption) (*Order, error) {
	return s.orderCommand(ctx, "oms.cancel_order", orderID, opts)
}

// CloseOrder closes an order after execution and returns the executed and
// unfilled quantities (oms.close_order, Trader; CreateRemainder() creates an
// order for the unfilled part).
func (s *OMSService) CloseOrder(ctx context.Context, orderID string, opts ...CallOption) (*CloseResult, error) {
	var result CloseResult
	if err := s.client.call(ctx, "oms.close_order", params{"order_id": orderID}, &result, opts); err != nil {
		return nil, err
	}
	return &result, nil
}

// GetOrder returns one order (oms.get_order).
func (s *OMSService) GetOrder(ctx context.Context, orderID string, opts ...CallOption) (*Order, error) {
	return s.orderCommand(ctx, "oms.get_order", orderID, opts)
}

// ListOrders returns the orders that match, newest first (oms.list_orders;
// req may be nil).
func (s *OMSService) ListOrders(ctx context.Context, req *ListOrdersRequest, opts ...CallOption) ([]Order, error) {
	var result struct {
		Orders []Order `json:"orders"`
	}
	err := s.client.call(ctx, "oms.list_orders", req.params(), &result, opts)
	return result.Orders, err
}

// GetOrderHistory returns an order's events, oldest first (oms.get_order_history).
func (s *OMSService) GetOrderHistory(ctx context.Context, orderID string, opts ...CallOption) ([]OrderEvent, error) {
	var result struct {
		Events []OrderEvent `json:"events"`
	}
	err := s.client.call(ctx, "oms.get_order_history", params{"order_id": orderID}, &result, opts)
	return result.Events, err
}

// ListOrderLinks returns the merge, split and remainder links of an order (oms.list_order_links).
func (s *OMSService) ListOrderLinks(ctx context.Context, orderID string, opts ...CallOption) ([]OrderLink, error) {
	var result struct {
		Links []OrderLink `json:"links"`
	}
	err := s.client.call(ctx, "oms.list_order_links", params{"order_id": orderID}, &result, opts)
	return result.Links, err
}

// SendToTrader hands an order from the PM to the trading desk (oms.send_to_trader).
func (s *OMSService) SendToTrader(ctx context.Context, orderID string, opts ...CallOption) (*Order, error) {
	return s.orderCommand(ctx, "oms.send_to_trader", orderID, opts)
}

// SendBasketToTrader hands every order of a basket to the trading desk, all
// or nothing (oms.send_to_trader with basket_id).
func (s *OMSService) SendBasketToTrader(ctx context.Context, basketID string, opts ...CallOption) ([]Order, error) {
	var result struct {
		Orders []Order `json:"orders"`
	}
	err := s.client.call(ctx, "oms.send_to_trader", params{"basket_id": basketID}, &result, opts)
	return result.Orders, err
}

// SendToOperations hands a closed order from the desk to operations (oms.send_to_operations).
func (s *OMSService) SendToOperations(ctx context.Context, orderID string, opts ...CallOption) (*Order, error) {
	return s.orderCommand(ctx, "oms.send_to_operations", orderID, opts)
}

// ConfirmOrder confirms a fully allocated order (oms.confirm_order, Ops).
func (s *OMSService) ConfirmOrder(ctx context.Context, orderID string, opts ...CallOption) (*Order, error) {
	return s.orderCommand(ctx, "oms.confirm_order", orderID, opts)
}

// SettleOrder settles a confirmed order (oms.settle_order, Ops).
func (s *OMSService) SettleOrder(ctx context.Context, orderID string, opts ...CallOption) (*Order, error) {
	return s.orderCommand(ctx, "oms.settle_order", orderID, opts)
}

// ReconcileOrder reconciles a settled order, its terminal state (oms.reconcile_order, Ops).
func (s *OMSService) ReconcileOrder(ctx context.Context, orderID string, opts ...CallOption) (*Order, error) {
	return s.orderCommand(ctx, "oms.reconcile_order", orderID, opts)
}

// RejectOrder rejects an order (oms.reject_order, System).
func (s *OMSService) RejectOrder(ctx context.Context, orderID, reason string, opts ...CallOption) (*Order, error) {
	return s.order(ctx, "oms.reject_order", params{"order_id": orderID, "reason": reason}, opts)
}

// CreateBasket groups orders and returns the basket's id (oms.create_basket, PM).
func (s *OMSService) CreateBasket(ctx context.Context, name string, orderIDs []string, opts ...CallOption) (string, error) {
	var result struct {
		BasketID string `json:"basket_id"`
	}
	err := s.client.call(ctx, "oms.create_basket", params{"name": name, "order_ids": orderIDs}, &result, opts)
	return result.BasketID, err
}

// GetBasket returns a basket (oms.get_basket).
func (s *OMSService) GetBasket(ctx context.Context, basketID string, opts ...CallOption) (*Basket, error) {
	var result Basket
	if err := s.client.call(ctx, "oms.get_basket", params{"basket_id": basketID}, &result, opts); err != nil {
		return nil, err
	}
	return &result, nil
}

// MergeOrders merges two or more orders into a new one and returns its id
// (oms.merge_orders, PM; the sources are canceled with reason MERGED).
func (s *OMSService) MergeOrders(ctx context.Context, orderIDs []string, opts ...CallOption) (string, error) {
	var result struct {
		OrderID string `json:"order_id"`
	}
	err := s.client.call(ctx, "oms.merge_orders", params{"order_ids": orderIDs}, &result, opts)
	return result.OrderID, err
}

// SplitOrder splits an order by quantities (summing to its quantity) and
// returns the new orders' ids (oms.split_order, PM).
func (s *OMSService) SplitOrder(ctx context.Context, orderID string, quantities []decimal.Decimal, opts ...CallOption) ([]string, error) {
	var result struct {
		OrderIDs []string `json:"order_ids"`
	}
	p := params{"order_id": orderID, "quantities": wireDecimals(quantities)}
	err := s.client.call(ctx, "oms.split_order", p, &result, opts)
	return result.OrderIDs, err
}
