// Package cpaudit holds the domain of cpaudit, the system for running and
// checking mandatory cleaner production audits (清洁生产审核): tenants, people
// and organisations, audits and their 35 steps, documents and their versions,
// the hash-chained audit log, and the error kinds every layer speaks.
//
// It imports no driver and no transport. The subpackages adapt technologies
// to it: storage/ (SQLite and blob stores), search/ (bleve), handlers/ (HTTP);
// cmd/cpaudit wires them together.
package cpaudit
