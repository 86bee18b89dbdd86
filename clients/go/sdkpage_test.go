package oms

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The Go examples of the SDK page, as written there.
var sdkPageExamples = []string{`
orderID, err := client.OMS.CreateOrder(ctx, &oms.CreateOrderRequest{
PortfolioID: "PORT-001",
InstrumentID: "INS-01936d8a-7c1e-7b2a-8f3d-4e5a6b7c8d9e",
Direction: oms.DirectionBuy,
OrderedQuantity: decimal.NewFromFloat(1000),
OrderType: oms.OrderTypeLimit,
TimeInForce: oms.TIFDay,
LimitPrice: decimal.NewFromFloat(150.25),
})
`, `
updated, err := client.OMS.UpdateOrder(ctx, orderID, &oms.OrderChanges{
LimitPrice: decimal.NewFromFloat(151.00),
})
`, `
result, err := client.OMS.CloseOrder(ctx, orderID)
// result.ExecutedQuantity -> 750
// result.UnfilledQuantity -> 250
`, `
allocID, err := client.OMS.CreateAllocation(ctx, &oms.CreateAllocationRequest{
OrderID: orderID,
AccountID: "ACCT-001",
PortfolioID: "PORT-001",
Quantity: decimal.NewFromFloat(500),
})
`}

// normalizedLines drops blank lines and compares lines up to whitespace
// runs: indentation and gofmt's alignment of struct fields.
func normalizedLines(text string) []string {
	space := regexp.MustCompile(`\s+`)
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(space.ReplaceAllString(line, " ")); line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

func containsLines(document, example []string) bool {
	for i := 0; i+len(example) <= len(document); i++ {
		match := true
		for j := range example {
			if document[i+j] != example[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// Each Go example is on the page, in examples/sdkpage (which runs them) and
// in README.md as written; and the page has no Go example this list lacks.
func TestSDKPageExamplesAreVerbatim(t *testing.T) {
	for _, path := range []string{"testdata/sdk_page.txt", "examples/sdkpage/main.go", "README.md"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		document := normalizedLines(string(data))
		for _, example := range sdkPageExamples {
			if !containsLines(document, normalizedLines(example)) {
				t.Errorf("not in %s as written:\n%s", path, example)
			}
		}
	}
	page, _ := os.ReadFile("testdata/sdk_page.txt")
	goCalls := regexp.MustCompile(`(?m)^\w+, err := client\.OMS\.\w+\(`).FindAllString(string(page), -1)
	if len(goCalls) != len(sdkPageExamples) {
		t.Errorf("the page has %d Go examples, the test knows %d: %v", len(goCalls), len(sdkPageExamples), goCalls)
	}
}
