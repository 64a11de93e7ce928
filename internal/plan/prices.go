package plan

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
)

//go:embed data/prices.json
var pricesJSON []byte

// Price is one figure of the price table and where it was read.
type Price struct {
	USD    float64 `json:"usd"`
	Source string  `json:"source"`
	AsOf   string  `json:"asOf"`
	// Note says how the figure was obtained when it was not read on its source page that day.
	Note string `json:"note,omitempty"`
}

// RegionPrices are a region's figures.
type RegionPrices struct {
	EKSClusterHour           Price            `json:"eksClusterHour"`
	EKSExtendedSupportHour   Price            `json:"eksExtendedSupportHour"`
	EBSGp3GBMonth            Price            `json:"ebsGp3GBMonth"`
	NatGatewayHour           Price            `json:"natGatewayHour"`
	NatGatewayGB             Price            `json:"natGatewayGB"`
	PublicIPv4Hour           Price            `json:"publicIPv4Hour"`
	KMSKeyMonth              Price            `json:"kmsKeyMonth"`
	SecretMonth              Price            `json:"secretMonth"`
	ECRStorageGBMonth        Price            `json:"ecrStorageGBMonth"`
	LogsIngestionGB          Price            `json:"logsIngestionGB"`
	EventBridgeMillionEvents Price            `json:"eventBridgeMillionEvents"`
	SNSMillionPublishes      Price            `json:"snsMillionPublishes"`
	SNSEmailPer100k          Price            `json:"snsEmailPer100k"`
	SQSMillionRequests       Price            `json:"sqsMillionRequests"`
	InstanceHour             map[string]Price `json:"instanceHour"`
}

// PriceTable is data/prices.json. The EKS version calendar that decides the control plane's
// price is awsspec.EKSVersions, and the instance types' network shapes that decide their pods are
// awsspec.InstanceTypes, which the config checks read too.
type PriceTable struct {
	About         string                  `json:"about"`
	HoursPerMonth float64                 `json:"hoursPerMonth"`
	Regions       map[string]RegionPrices `json:"regions"`
}

// Prices reads the embedded price table strictly: a misspelt key is an error, not a zero price.
func Prices() (*PriceTable, error) {
	dec := json.NewDecoder(bytes.NewReader(pricesJSON))
	dec.DisallowUnknownFields()
	var t PriceTable
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("reading data/prices.json: %w", err)
	}
	return &t, nil
}
