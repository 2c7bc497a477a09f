package cost

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

//go:embed prices.json
var pricesJSON []byte

// PriceTable is the price list a report is computed from: dated, for one
// region's list prices, every figure with the page it stands for.
type PriceTable struct {
	Date          string           `json:"date"`
	Basis         string           `json:"basis"`
	Currency      string           `json:"currency"`
	HoursPerMonth float64          `json:"hoursPerMonth"`
	Note          string           `json:"note"`
	Sources       []string         `json:"sources"`
	Fixed         map[string]Price `json:"fixed"`
	Instances     map[string]Price `json:"instances"` // EC2 instance type -> hourly price
	Usage         []UsageItem      `json:"usage"`
}

// Price is one unit price. A nil Price.Price is a figure nobody could source:
// whatever it prices is reported as unpriced, never as zero.
type Price struct {
	Price  *float64 `json:"price"`
	Unit   string   `json:"unit"`
	Source string   `json:"source"`
	Seen   string   `json:"seen"`
}

// UsageItem is a charge that depends on traffic or volume the templates
// cannot show. It is listed when the assembly holds one of its trigger
// resource types.
type UsageItem struct {
	Name     string      `json:"name"`
	Triggers []string    `json:"triggers"`
	Prices   []UnitPrice `json:"prices"`
	Source   string      `json:"source"`
	Seen     string      `json:"seen"`
}

// UnitPrice is one dimension of a usage-based charge; a nil Price is unpriced.
type UnitPrice struct {
	Price *float64 `json:"price"`
	Unit  string   `json:"unit"`
}

// The fixed items a report prices, by their key in PriceTable.Fixed.
const (
	NATGatewayHour           = "natGatewayHour"
	PublicIPv4Hour           = "publicIPv4Hour"
	InterfaceEndpointAZHour  = "interfaceEndpointAZHour"
	GatewayEndpoint          = "gatewayEndpoint"
	KMSKeyMonth              = "kmsKeyMonth"
	AlarmStandardMonth       = "alarmStandardMonth"
	AlarmHighResolutionMonth = "alarmHighResolutionMonth"
	CompositeAlarmMonth      = "compositeAlarmMonth"
	EBSGp3GBMonth            = "ebsGp3GBMonth"
)

var fixedKeys = []string{NATGatewayHour, PublicIPv4Hour, InterfaceEndpointAZHour, GatewayEndpoint,
	KMSKeyMonth, AlarmStandardMonth, AlarmHighResolutionMonth, CompositeAlarmMonth, EBSGp3GBMonth}

// DefaultPrices returns the table shipped in prices.json.
func DefaultPrices() PriceTable {
	t, err := ParsePrices(pricesJSON)
	if err != nil {
		panic(fmt.Sprintf("cost: the embedded prices.json is invalid: %v", err))
	}
	return t
}

// ParsePrices reads a price table and checks that it says what it is: a
// date, a basis, hours per month, a source for every price and an entry for
// every fixed item the report counts.
func ParsePrices(raw []byte) (PriceTable, error) {
	var t PriceTable
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return t, fmt.Errorf("price table: %w", err)
	}
	var errs []error
	if t.Date == "" {
		errs = append(errs, errors.New("price table: date is empty: say when the prices were read"))
	}
	if t.Basis == "" {
		errs = append(errs, errors.New("price table: basis is empty: say which region and price type the figures are"))
	}
	if t.HoursPerMonth <= 0 {
		errs = append(errs, fmt.Errorf("price table: hoursPerMonth %v is not positive (AWS uses 730)", t.HoursPerMonth))
	}
	for _, k := range fixedKeys {
		p, ok := t.Fixed[k]
		if !ok {
			errs = append(errs, fmt.Errorf("price table: fixed.%s is missing (a null price marks it unpriced)", k))
			continue
		}
		if p.Source == "" {
			errs = append(errs, fmt.Errorf("price table: fixed.%s has no source", k))
		}
	}
	for k, p := range t.Instances {
		if p.Source == "" {
			errs = append(errs, fmt.Errorf("price table: instances.%s has no source", k))
		}
	}
	for i, u := range t.Usage {
		if u.Name == "" || u.Source == "" || len(u.Triggers) == 0 {
			errs = append(errs, fmt.Errorf("price table: usage[%d] needs a name, a source and triggers", i))
		}
	}
	return t, errors.Join(errs...)
}
