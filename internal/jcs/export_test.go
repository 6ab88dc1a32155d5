package jcs

// FormatNumber lets the tests feed RFC 8785's IEEE 754 samples bit for bit.
var FormatNumber = formatNumber
