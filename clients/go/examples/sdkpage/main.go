// Command sdkpage runs the Go examples of the published SDK page
// (testdata/sdk_page.txt) as written, end to end, against a live server with
// the demo data, and exits non-zero on any failure:
//
//	cd clients/go && go run ./examples/sdkpage
//
// OMS_ADDRESS (default 127.0.0.1:9191) says where the server is and
// OMS_DEMO_KEYS (default .oms/demo-keys.json, looked up from the working
// directory upwards) where `oms serve` wrote the demo role keys. Each
// example runs with the key of a role that may call it; the steps between
// them (compliance, placement, a fill of 750) prepare the order the next one
// needs. The functions hold the page's lines verbatim (gofmt aligns the
// fields); TestSDKPageExamplesAreVerbatim checks them against the page.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/shopspring/decimal"

	"oms"
)

// CreateOrder, as on the page (PM).
func createOrder(ctx context.Context, client *oms.Client) (string, error) {
	orderID, err := client.OMS.CreateOrder(ctx, &oms.CreateOrderRequest{
		PortfolioID:     "PORT-001",
		InstrumentID:    "INS-01936d8a-7c1e-7b2a-8f3d-4e5a6b7c8d9e",
		Direction:       oms.DirectionBuy,
		OrderedQuantity: decimal.NewFromFloat(1000),
		OrderType:       oms.OrderTypeLimit,
		TimeInForce:     oms.TIFDay,
		LimitPrice:      decimal.NewFromFloat(150.25),
	})
	return orderID, err
}

// UpdateOrder, as on the page (PM, before compliance locks the price).
func updateOrder(ctx context.Context, client *oms.Client, orderID string) (*oms.Order, error) {
	updated, err := client.OMS.UpdateOrder(ctx, orderID, &oms.OrderChanges{
		LimitPrice: decimal.NewFromFloat(151.00),
	})
	return updated, err
}

// CloseOrder, as on the page (Trader, once 750 of the 1000 are filled).
func closeOrder(ctx context.Context, client *oms.Client, orderID string) (*oms.CloseResult, error) {
	result, err := client.OMS.CloseOrder(ctx, orderID)
	// result.ExecutedQuantity -> 750
	// result.UnfilledQuantity -> 250
	return result, err
}

// CreateAllocation, as on the page (Ops, on the closed order).
func createAllocation(ctx context.Context, client *oms.Client, orderID string) (string, error) {
	allocID, err := client.OMS.CreateAllocation(ctx, &oms.CreateAllocationRequest{
		OrderID:     orderID,
		AccountID:   "ACCT-001",
		PortfolioID: "PORT-001",
		Quantity:    decimal.NewFromFloat(500),
	})
	return allocID, err
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "sdkpage: FAILED:", err)
		os.Exit(1)
	}
	fmt.Println("sdkpage: every Go example of the SDK page ran as written")
}

func run(ctx context.Context) error {
	keys, err := demoKeys()
	if err != nil {
		return err
	}
	clients := map[string]*oms.Client{}
	for _, role := range []string{"PM", "Compliance", "Trader", "Ops"} {
		client, err := oms.Dial(ctx, oms.Config{Address: os.Getenv("OMS_ADDRESS"), APIKey: keys[role].APIKey})
		if err != nil {
			return fmt.Errorf("connecting as %s to %s: %w", role, addressOrDefault(), err)
		}
		defer client.Close()
		clients[role] = client
	}
	pm, compliance, trader, ops := clients["PM"], clients["Compliance"], clients["Trader"], clients["Ops"]

	orderID, err := createOrder(ctx, pm)
	if err != nil {
		return fmt.Errorf("CreateOrder: %w", err)
	}
	fmt.Println("CreateOrder ->", orderID)

	updated, err := updateOrder(ctx, pm, orderID)
	if err != nil {
		return fmt.Errorf("UpdateOrder: %w", err)
	}
	if !updated.LimitPrice.Equal(decimal.RequireFromString("151")) {
		return fmt.Errorf("UpdateOrder: limit price %s, want 151", updated.LimitPrice)
	}
	fmt.Println("UpdateOrder -> limit price", updated.LimitPrice, "state", updated.State)

	// Between the examples: compliance passes, the desk routes and fills 750.
	if _, err := pm.OMS.RequestPreTradeCompliance(ctx, orderID); err != nil {
		return fmt.Errorf("RequestPreTradeCompliance: %w", err)
	}
	if _, err := compliance.OMS.PassPreTradeCompliance(ctx, orderID); err != nil {
		return fmt.Errorf("PassPreTradeCompliance: %w", err)
	}
	if _, err := pm.OMS.SendToTrader(ctx, orderID); err != nil {
		return fmt.Errorf("SendToTrader: %w", err)
	}
	placementID, err := trader.OMS.CreatePlacement(ctx, &oms.CreatePlacementRequest{
		OrderID: orderID, Venue: "XNYS", Quantity: decimal.RequireFromString("1000")})
	if err != nil {
		return fmt.Errorf("CreatePlacement: %w", err)
	}
	if _, err := trader.OMS.RecordFill(ctx, &oms.RecordFillRequest{OrderID: orderID, PlacementID: placementID,
		ExecID: "EX-" + orderID, Quantity: decimal.RequireFromString("750"), Price: decimal.RequireFromString("150.20")}); err != nil {
		return fmt.Errorf("RecordFill: %w", err)
	}

	result, err := closeOrder(ctx, trader, orderID)
	if err != nil {
		return fmt.Errorf("CloseOrder: %w", err)
	}
	// The page's comments, checked.
	if !result.ExecutedQuantity.Equal(decimal.NewFromInt(750)) || !result.UnfilledQuantity.Equal(decimal.NewFromInt(250)) {
		return fmt.Errorf("CloseOrder: executed %s, unfilled %s; the page says 750 and 250",
			result.ExecutedQuantity, result.UnfilledQuantity)
	}
	fmt.Println("CloseOrder -> executed", result.ExecutedQuantity, "unfilled", result.UnfilledQuantity)

	allocID, err := createAllocation(ctx, ops, orderID)
	if err != nil {
		return fmt.Errorf("CreateAllocation: %w", err)
	}
	allocation, err := ops.OMS.GetAllocation(ctx, allocID)
	if err != nil {
		return fmt.Errorf("GetAllocation: %w", err)
	}
	if allocation.OrderID != orderID || allocation.AccountID != "ACCT-001" || !allocation.Quantity.Equal(decimal.NewFromInt(500)) {
		return fmt.Errorf("CreateAllocation: got %+v", allocation)
	}
	fmt.Println("CreateAllocation ->", allocID, "quantity", allocation.Quantity)
	return nil
}

type demoKey struct {
	APIKey string `json:"api_key"`
}

// demoKeys reads the keys file `oms serve` writes: $OMS_DEMO_KEYS, else
// .oms/demo-keys.json in the working directory or the nearest parent.
func demoKeys() (map[string]demoKey, error) {
	path := os.Getenv("OMS_DEMO_KEYS")
	if path == "" {
		path = findUpwards(filepath.Join(".oms", "demo-keys.json"))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("no demo keys (%w): start `swift run oms serve` (it writes .oms/demo-keys.json) "+
			"or set OMS_DEMO_KEYS and OMS_ADDRESS", err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	out := map[string]demoKey{}
	for role, raw := range keys {
		var key demoKey
		if json.Unmarshal(raw, &key) == nil && key.APIKey != "" {
			out[role] = key
		}
	}
	for _, role := range []string{"PM", "Compliance", "Trader", "Ops"} {
		if out[role].APIKey == "" {
			return nil, errors.New(path + " has no " + role + " key")
		}
	}
	return out, nil
}

func findUpwards(relative string) string {
	dir, err := os.Getwd()
	if err != nil {
		return relative
	}
	for {
		candidate := filepath.Join(dir, relative)
		if _, err := os.Stat(candidate); err == nil {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return relative
		}
		dir = parent
	}
}

func addressOrDefault() string {
	if address := os.Getenv("OMS_ADDRESS"); address != "" {
		return address
	}
	return oms.DefaultAddress
}
