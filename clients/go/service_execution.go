package oms

import "context"

// CreatePlacement sends part of an order to a venue and returns the
// placement's id (ems.create_placement, Trader).
func (s *OMSService) CreatePlacement(ctx context.Context, req *CreatePlacementRequest, opts ...CallOption) (string, error) {
	var result struct {
		PlacementID string `json:"placement_id"`
	}
	p := params{}.str("order_id", req.OrderID).str("venue", req.Venue).dec("quantity", req.Quantity).
		optStr("broker_id", req.BrokerID).optStr("strategy", req.Strategy)
	err := s.client.call(ctx, "ems.create_placement", p, &result, opts)
	return result.PlacementID, err
}

// CancelPlacement cancels a placement (ems.cancel_placement, Trader).
func (s *OMSService) CancelPlacement(ctx context.Context, placementID string, opts ...CallOption) (*Placement, error) {
	var result Placement
	if err := s.client.call(ctx, "ems.cancel_placement", params{"placement_id": placementID}, &result, opts); err != nil {
		return nil, err
	}
	return &result, nil
}

// RecordFill records an execution and returns the order (ems.record_fill, Trader or System).
func (s *OMSService) RecordFill(ctx context.Context, req *RecordFillRequest, opts ...CallOption) (*Order, error) {
	p := params{}.str("order_id", req.OrderID).str("exec_id", req.ExecID).dec("quantity", req.Quantity).
		dec("price", req.Price).optStr("placement_id", req.PlacementID).optTime("executed_at", req.ExecutedAt)
	return s.order(ctx, "ems.record_fill", p, opts)
}

// ListPlacements returns an order's placements (ems.list_placements).
func (s *OMSService) ListPlacements(ctx context.Context, orderID string, opts ...CallOption) ([]Placement, error) {
	var result struct {
		Placements []Placement `json:"placements"`
	}
	err := s.client.call(ctx, "ems.list_placements", params{"order_id": orderID}, &result, opts)
	return result.Placements, err
}

// CreateAllocation books part of a filled order to an account and returns
// the allocation's id (oms.create_allocation, Ops or Trader).
func (s *OMSService) CreateAllocation(ctx context.Context, req *CreateAllocationRequest, opts ...CallOption) (string, error) {
	var result struct {
		AllocationID string `json:"allocation_id"`
	}
	p := params{}.str("order_id", req.OrderID).str("account_id", req.AccountID).
		str("portfolio_id", req.PortfolioID).dec("quantity", req.Quantity)
	err := s.client.call(ctx, "oms.create_allocation", p, &result, opts)
	return result.AllocationID, err
}

// UpdateAllocation changes an allocation's quantity or account (oms.update_allocation).
func (s *OMSService) UpdateAllocation(ctx context.Context, allocationID string, changes *AllocationChanges, opts ...CallOption) (*Allocation, error) {
	wire := params{}.optDec("quantity", changes.Quantity).optStr("account_id", changes.AccountID)
	return s.allocation(ctx, "oms.update_allocation", params{"allocation_id": allocationID, "changes": wire}, opts)
}

// GetAllocation returns one allocation (oms.get_allocation).
func (s *OMSService) GetAllocation(ctx context.Context, allocationID string, opts ...CallOption) (*Allocation, error) {
	return s.allocation(ctx, "oms.get_allocation", params{"allocation_id": allocationID}, opts)
}

// ListAllocations returns an order's allocations, oldest first (oms.list_allocations).
func (s *OMSService) ListAllocations(ctx context.Context, orderID string, opts ...CallOption) ([]Allocation, error) {
	var result struct {
		Allocations []Allocation `json:"allocations"`
	}
	err := s.client.call(ctx, "oms.list_allocations", params{"order_id": orderID}, &result, opts)
	return result.Allocations, err
}

func (s *OMSService) allocation(ctx context.Context, method string, p params, opts []CallOption) (*Allocation, error) {
	var result Allocation
	if err := s.client.call(ctx, method, p, &result, opts); err != nil {
		return nil, err
	}
	return &result, nil
}
