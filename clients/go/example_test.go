package oms_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/shopspring/decimal"

	"oms"
)

// Connecting, creating an order and reading a refusal's details.
// (Compiled by go test, not run: it needs a server.)
func ExampleDial() {
	ctx := context.Background()
	client, err := oms.Dial(ctx, oms.Config{Address: "127.0.0.1:9191", APIKey: "omsk.demo.…"})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	orderID, err := client.OMS.CreateOrder(ctx, &oms.CreateOrderRequest{
		PortfolioID:     "PORT-001",
		InstrumentID:    "INS-01936d8a-7c1e-7b2a-8f3d-4e5a6b7c8d9e",
		Direction:       oms.DirectionBuy,
		OrderedQuantity: decimal.NewFromFloat(1000),
		OrderType:       oms.OrderTypeLimit,
		TimeInForce:     oms.TIFDay,
		LimitPrice:      decimal.NewFromFloat(150.25),
	})
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.OMS.PassPreTradeCompliance(ctx, orderID)
	var stateErr *oms.InvalidStateError
	switch {
	case errors.As(err, &stateErr):
		fmt.Println("not now, the order is", stateErr.State)
	case errors.Is(err, oms.ErrPermissionDenied):
		fmt.Println("a PM may not pass compliance")
	}
}

// A subscription is a channel that resumes by itself after a drop.
func ExampleOMSService_SubscribeCompliance() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client, err := oms.Dial(ctx, oms.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	sub, err := client.OMS.SubscribeCompliance(ctx, &oms.SubscribeRequest{PortfolioID: "PORT-001"})
	if err != nil {
		log.Fatal(err)
	}
	for event := range sub.Events() {
		fmt.Println(event.RuleID, event.EventType, event.Severity)
	}
	if err := sub.Err(); err != nil {
		log.Printf("stopped after event %d: %v", sub.LastEventID(), err)
	}
}
