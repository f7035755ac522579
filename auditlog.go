package cpaudit

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// LogEntry is one line of a tenant's audit log: who did what, when, from
// where. Entries are hash-chained: Hash covers the entry's fields and the
// previous entry's hash, so an altered or removed entry breaks the chain.
type LogEntry struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	UserID     string    `json:"user_id,omitempty"`
	Email      string    `json:"email"`
	Role       Role      `json:"role"`
	Action     string    `json:"action"`      // e.g. "document.upload"
	ObjectType string    `json:"object_type"` // e.g. "document"
	ObjectID   string    `json:"object_id"`
	Detail     string    `json:"detail,omitempty"` // JSON
	ClientAddr string    `json:"client_addr"`
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
}

// ComputeHash returns the entry's chain hash from its fields and PrevHash.
// Fields are length-prefixed so no two different entries serialise alike.
func (e *LogEntry) ComputeHash() string {
	var b strings.Builder
	for _, f := range []string{
		strconv.FormatInt(e.Seq, 10),
		e.At.UTC().Format(time.RFC3339Nano),
		e.UserID, e.Email, string(e.Role), e.Action, e.ObjectType, e.ObjectID,
		e.Detail, e.ClientAddr, e.PrevHash,
	} {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}
