package eventhash_test

// docContext is the "@context" of the EPCIS documents the table's events sit
// in: the standard context, the standard prefixes the events use spelled out
// (GS1's reference reads prefixes only from a document's inline context, as
// GS1's own examples declare them), and AgriTrace's extension namespace.
const docContext = `["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
	{"gs1": "https://gs1.org/voc/", "cbv": "https://ref.gs1.org/cbv/", "cbvmda": "urn:epcglobal:cbv:mda:"},
	{"agritrace": "https://agritrace.example.cn/epcis/"}]`

// hashCase is one event with its expected event hash ID.
type hashCase struct {
	name  string
	event string
	// ref is the ID GS1's reference implementation (epcis-event-hash-generator
	// v1.9.3, run locally) gives the event in a document with docContext.
	ref string
	// jsDiffers names the rule epcis2.js@2.7.3 applies differently from GS1's
	// reference; empty when both give ref.
	jsDiffers string
}

// cases covers every event type, the shapes AgriTrace emits, and each rule
// of the algorithm that an event can exercise.
var cases = []hashCase{
	{
		name: "commission a seed lot (ObjectEvent ADD, LGTIN quantity, ilmd)",
		event: `{"type": "ObjectEvent", "eventTime": "2026-06-01T08:30:00.250+08:00", "eventTimeZoneOffset": "+08:00",
			"eventID": "ni:///sha-256;0000?ver=CBV2.0", "recordTime": "2026-06-01T00:31:00Z",
			"action": "ADD", "bizStep": "commissioning", "disposition": "active",
			"quantityList": [{"epcClass": "https://id.gs1.org/01/06901234000016/10/HB2026-001", "quantity": 10000, "uom": "KGM"}],
			"readPoint": {"id": "https://id.gs1.org/414/6901234000016"},
			"bizLocation": {"id": "https://id.gs1.org/414/6901234000016"},
			"ilmd": {"agritrace:origin": {"agritrace:region": "420506", "agritrace:village": "龙泉镇"},
				"agritrace:harvestDate": "2026-05-20", "cbvmda:lotNumber": "HB2026-001"},
			"agritrace:chainHash": "9f2c", "agritrace:seq": 0}`,
		ref: "ni:///sha-256;84a060c83ab1d9f295eacc51cd980013262e58a56994d728d33021324dcca1a0?ver=CBV2.0",
	},
	{
		name: "inspect with sensor data (moisture and oil content)",
		event: `{"type": "ObjectEvent", "eventTime": "2026-06-01T09:00:00Z", "eventTimeZoneOffset": "+08:00",
			"action": "OBSERVE", "bizStep": "inspecting",
			"quantityList": [{"epcClass": "https://id.gs1.org/01/06901234000016/10/HB2026-001"}],
			"readPoint": {"id": "https://id.gs1.org/414/6901234000016"},
			"sensorElementList": [{
				"sensorMetadata": {"time": "2026-06-01T08:59:00.123Z", "deviceID": "https://id.gs1.org/8004/6901234MOIST01"},
				"sensorReport": [
					{"type": "RelativeHumidity", "value": 7.20, "uom": "P1"},
					{"type": "Dimensionless", "chemicalSubstance": "https://identifiers.org/inchikey:NONE", "value": 41.5, "uom": "P1", "component": "x"},
					{"type": "Temperature", "minValue": 12, "maxValue": 26.0, "uom": "CEL", "exception": "ALARM_CONDITION"}]}],
			"agritrace:result": "pass"}`,
		ref: "ni:///sha-256;8fb3e865da8ca356157a975f2b9201045c16510c02584b44fc5b813877c7c3b2?ver=CBV2.0",
	},
	{
		name: "ship with purchase order and owner (one of source and destination)",
		event: `{"type": "ObjectEvent", "eventTime": "2026-06-02T06:00:00.000+08:00", "eventTimeZoneOffset": "+08:00",
			"action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
			"quantityList": [{"epcClass": "https://id.gs1.org/01/06901234000016/10/HB2026-001", "quantity": 9950.5, "uom": "KGM"}],
			"readPoint": {"id": "https://id.gs1.org/414/6901234000016"},
			"bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:6901234000016:PO-88"},
				{"type": "desadv", "bizTransaction": "urn:epcglobal:cbv:bt:6901234000016:ASN-12"}],
			"sourceList": [{"type": "owning_party", "source": "https://id.gs1.org/417/6901234000016"},
				{"type": "location", "source": "https://id.gs1.org/414/6901234000016"}]}`,
		ref: "ni:///sha-256;05659b94856fe5ce2f7c3979d9988d988cb8700962a82d27be3131e1b15233af?ver=CBV2.0",
	},
	{
		name: "ship with both source and destination",
		event: `{"type": "ObjectEvent", "eventTime": "2026-06-02T06:00:00.000+08:00", "eventTimeZoneOffset": "+08:00",
			"action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
			"quantityList": [{"epcClass": "https://id.gs1.org/01/06901234000016/10/HB2026-001", "quantity": 9950, "uom": "KGM"}],
			"sourceList": [{"type": "possessing_party", "source": "https://id.gs1.org/417/6901234000016"}],
			"destinationList": [{"type": "possessing_party", "destination": "https://id.gs1.org/417/6909876000012"}]}`,
		ref:       "ni:///sha-256;a8fdb5d183e9e90b9b3dd2032cf745dc87363328267caebae1b4e1e4fc621c9e?ver=CBV2.0",
		jsDiffers: "it writes sourceList before destinationList; GS1's reference sorts them with the other unordered fields",
	},
	{
		name: "receive at the mill (destination only, EPC URNs)",
		event: `{"type": "ObjectEvent", "eventTime": "2026-06-02T14:10:05+08:00", "eventTimeZoneOffset": "+08:00",
			"action": "OBSERVE", "bizStep": "receiving", "disposition": "in_progress",
			"quantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.000001.HB2026-001", "quantity": 9950.0, "uom": "KGM"}],
			"readPoint": {"id": "urn:epc:id:sgln:6909876.00001.0"},
			"bizLocation": {"id": "urn:epc:id:sgln:6909876.00001.7"},
			"destinationList": [{"type": "owning_party", "destination": "urn:epc:id:pgln:6909876.00001"}]}`,
		ref: "ni:///sha-256;f893bfd42f4dab146717b76bd33f13e8cb1702d83c8eaa2ca9b9f04ff95652c6?ver=CBV2.0",
	},
	{
		name: "sell bottles (SGTIN as Digital Link and as EPC URI)",
		event: `{"type": "ObjectEvent", "eventTime": "2026-07-01T10:00:00.5+08:00", "eventTimeZoneOffset": "+08:00",
			"epcList": ["https://id.gs1.org/01/06901234000023/21/000123", "urn:epc:id:sgtin:6901234.000002.000124"],
			"action": "DELETE", "bizStep": "retail_selling", "disposition": "retail_sold",
			"readPoint": {"id": "https://id.gs1.org/414/6905555000014"}}`,
		ref: "ni:///sha-256;31e484097aebbcc7b64272b3a94811d342495181704c853bd9977c2e47003841?ver=CBV2.0",
	},
	{
		name: "recall a lot (persistent disposition)",
		event: `{"type": "ObjectEvent", "eventTime": "2026-07-05T02:00:00Z", "eventTimeZoneOffset": "+00:00",
			"action": "OBSERVE", "bizStep": "holding", "disposition": "recalled",
			"quantityList": [{"epcClass": "https://id.gs1.org/01/06901234000023/10/OIL-7"}],
			"persistentDisposition": {"set": ["recalled", "needs_replacement"], "unset": ["active"]},
			"agritrace:reason": "  aflatoxin B1 above GB 2761  "}`,
		ref: "ni:///sha-256;978c7ddbbd9a73e09ab34fe4544556444455f4a50084b28315c10332b5d91549?ver=CBV2.0",
	},
	{
		name: "press seed into oil and meal (TransformationEvent)",
		event: `{"type": "TransformationEvent", "eventTime": "2026-06-03T07:00:00.000+08:00", "eventTimeZoneOffset": "+08:00",
			"inputQuantityList": [{"epcClass": "https://id.gs1.org/01/06901234000016/10/HB2026-001", "quantity": 9950, "uom": "KGM"},
				{"epcClass": "https://id.gs1.org/01/06901234000016/10/HB2026-002", "quantity": 50, "uom": "KGM"}],
			"outputQuantityList": [{"epcClass": "https://id.gs1.org/01/06901234000023/10/OIL-7", "quantity": 3950.25, "uom": "LTR"},
				{"epcClass": "https://id.gs1.org/01/06901234000030/10/MEAL-7", "quantity": 6200, "uom": "KGM"}],
			"transformationID": "urn:epc:id:gdti:6901234.00001.T-7",
			"bizStep": "commissioning", "disposition": "active",
			"readPoint": {"id": "https://id.gs1.org/414/6909876000012"},
			"ilmd": {"agritrace:pressing": "cold", "agritrace:yield": 0.40}}`,
		ref: "ni:///sha-256;b6b1041c308f2bd7e886949a11a2f0b82cb815be21d5d52a6f58d5cb7bf25a9c?ver=CBV2.0",
	},
	{
		name: "pack bottles into a case (AggregationEvent)",
		event: `{"type": "AggregationEvent", "eventTime": "2026-06-04T07:00:00.000+08:00", "eventTimeZoneOffset": "+08:00",
			"parentID": "urn:epc:id:sscc:6901234.0000000001",
			"childEPCs": ["https://id.gs1.org/01/06901234000023/21/000124", "https://id.gs1.org/01/06901234000023/21/000123"],
			"childQuantityList": [{"epcClass": "https://id.gs1.org/01/06901234000023/10/OIL-7", "quantity": 12, "uom": "H87"}],
			"action": "ADD", "bizStep": "packing", "disposition": "in_progress",
			"readPoint": {"id": "https://id.gs1.org/414/6909876000012"}}`,
		ref:       "ni:///sha-256;fc38a35a1dc5b928a225d95394abcbd0bf82193d2929e7bc82f2b97af7a81608?ver=CBV2.0",
		jsDiffers: "it builds an SSCC Digital Link of 19 digits from an SSCC EPC URI (its check digit goes after the extension digit's place)",
	},
	{
		name: "pack bottles into a case with a Digital Link SSCC",
		event: `{"type": "AggregationEvent", "eventTime": "2026-06-04T07:00:00.000+08:00", "eventTimeZoneOffset": "+08:00",
			"parentID": "https://id.gs1.org/00/069012340000000016",
			"childEPCs": ["https://id.gs1.org/01/06901234000023/21/000124"],
			"action": "ADD", "bizStep": "packing"}`,
		ref: "ni:///sha-256;d098aebb1fc5025cf87e261ecd6eba056ade046e107ef89eb8eb359f96e66acb?ver=CBV2.0",
	},
	{
		name: "attach a data logger to a tote (AssociationEvent)",
		event: `{"type": "AssociationEvent", "eventTime": "2026-06-02T05:00:00.000+08:00", "eventTimeZoneOffset": "+08:00",
			"parentID": "https://id.gs1.org/8004/6901234TOTE9",
			"childEPCs": ["https://id.gs1.org/8004/6901234LOGGER3"],
			"action": "ADD", "bizStep": "assembling",
			"readPoint": {"id": "https://id.gs1.org/414/6901234000016"}}`,
		ref: "ni:///sha-256;07276c82689a63a2344f6e9bc7ba2b2bed70680934c467c02a526d37a3253e8c?ver=CBV2.0",
	},
	{
		name: "record an invoice (TransactionEvent)",
		event: `{"type": "TransactionEvent", "eventTime": "2026-06-02T06:05:00.000+08:00", "eventTimeZoneOffset": "+08:00",
			"bizTransactionList": [{"type": "inv", "bizTransaction": "https://agritrace.example.cn/invoice/2026-0042"}],
			"parentID": "https://id.gs1.org/00/069012340000000016",
			"epcList": ["https://id.gs1.org/01/06901234000023/21/000123"],
			"action": "ADD", "bizStep": "shipping"}`,
		ref:       "ni:///sha-256;3e40ed8b9a0a21efa73368e6098fcfa6fe816d2962398d41fefdc4a3580419d9?ver=CBV2.0",
		jsDiffers: "it writes epcList before parentID",
	},
	{
		name: "nested and repeated extensions with a certificate",
		event: `{"type": "ObjectEvent", "eventTime": "2026-06-01T08:30:00.000+08:00", "eventTimeZoneOffset": "+08:00",
			"certificationInfo": "https://agritrace.example.cn/certificate/HB2026-001",
			"epcList": ["https://id.gs1.org/01/06901234000023/21/000123"], "action": "OBSERVE",
			"agritrace:tests": {"agritrace:moisture": "7.50", "agritrace:lab": {"agritrace:name": "县农检站"}},
			"agritrace:tags": ["b", "a", "c"], "agritrace:empty": "",
			"rdfs:comment": "comments are left out"}`,
		ref:       "ni:///sha-256;0fb6f7da78abfeb01501e7ee45b2d495a76d10aabe45966c5c5180cff6d939fa?ver=CBV2.0",
		jsDiffers: "it writes an empty extension as name= rather than name",
	},
	{
		name: "error declaration and event id are left out",
		event: `{"type": "ObjectEvent", "eventTime": "2026-06-01T08:30:00.000+08:00", "eventTimeZoneOffset": "+08:00",
			"eventID": "urn:uuid:6f0c9e0e-3c1a-4b0f-9d7e-6c1b0d5e2a11",
			"errorDeclaration": {"declarationTime": "2026-06-03T00:00:00Z", "reason": "incorrect_data",
				"correctiveEventIDs": ["urn:uuid:00000000-0000-4000-8000-000000000001"]},
			"epcList": ["https://id.gs1.org/01/06901234000023/21/000123"], "action": "OBSERVE"}`,
		ref: "ni:///sha-256;06fd429f602969ea94d12dee4f26af5e6462a87b79999aac259ed00609f5de8b?ver=CBV2.0",
	},
	{
		name: "label scanned on AgriTrace's own domain (Digital Link with a lot and a signature)",
		event: `{"type": "ObjectEvent", "eventTime": "2026-07-01T10:00:00.000+08:00", "eventTimeZoneOffset": "+08:00",
			"epcList": ["https://trace.example.cn/01/06901234000023/10/OIL-7/21/000123?s=abc"], "action": "OBSERVE"}`,
		ref:       "ni:///sha-256;72ef187fe305c5141eed262672ee96e48dd5cbcc8cab9ada810d07c115c93bfa?ver=CBV2.0",
		jsDiffers: "it keeps a Digital Link on another domain as written; GS1's reference moves it to id.gs1.org, keeps only the most specific key and drops the query",
	},
	{
		name: "compact URIs and CBV 1.x URNs",
		event: `{"type": "ObjectEvent", "eventTime": "2026-06-01T08:30:00.000+08:00", "eventTimeZoneOffset": "+08:00",
			"epcList": ["https://id.gs1.org/01/06901234000023/21/000123"], "action": "OBSERVE",
			"bizStep": "cbv:BizStep-storing", "disposition": "urn:epcglobal:cbv:disp:in_progress",
			"sensorElementList": [{"sensorReport": [{"type": "gs1:Temperature", "value": 18, "uom": "CEL"}]}]}`,
		ref:       "ni:///sha-256;d16659a1df24a5c9c7d09fc80800279ae5b22df11a74dd9fd59b77b7d80f27cb?ver=CBV2.0",
		jsDiffers: "it expands neither compact URIs (cbv:, gs1:) nor CBV 1.x URNs in standard fields",
	},
	{
		name: "sub-millisecond time is rounded",
		event: `{"type": "ObjectEvent", "eventTime": "2026-06-01T08:30:03.1415+08:00", "eventTimeZoneOffset": "+08:00",
			"epcList": ["https://id.gs1.org/01/06901234000023/21/000123"], "action": "OBSERVE"}`,
		ref:       "ni:///sha-256;93064cb3a4d5816348ce7620c441c76d9fecd0ec1cda9ade14d6450ac49ea7b2?ver=CBV2.0",
		jsDiffers: "it truncates fractional seconds to milliseconds; GS1's reference rounds",
	},
	{
		name: "extension inside readPoint",
		event: `{"type": "ObjectEvent", "eventTime": "2026-06-01T08:30:00.000+08:00", "eventTimeZoneOffset": "+08:00",
			"epcList": ["https://id.gs1.org/01/06901234000023/21/000123"], "action": "OBSERVE",
			"readPoint": {"id": "https://id.gs1.org/414/6901234000016", "agritrace:dock": "3"}}`,
		ref:       "ni:///sha-256;93930cac2a01371e90f3fa6277f68e71ef478d04ffe24bf24a3f645355847513?ver=CBV2.0",
		jsDiffers: "it moves extensions of readPoint to the end of the string; GS1's reference keeps them after the readPoint's id",
	},
	{
		name: "empty list left out",
		event: `{"type": "ObjectEvent", "eventTime": "2026-06-01T08:30:00.000+08:00", "eventTimeZoneOffset": "+08:00",
			"epcList": [], "action": "OBSERVE", "bizStep": "inspecting",
			"quantityList": [{"epcClass": "https://id.gs1.org/01/06901234000016/10/HB2026-001", "quantity": 1.0, "uom": "KGM"}]}`,
		ref:       "ni:///sha-256;4e9079a56aa86696f8f67fb20d7da0e28afdc46676dfb46885c65620d39dafdf?ver=CBV2.0",
		jsDiffers: "it fails on an empty list",
	},
}
