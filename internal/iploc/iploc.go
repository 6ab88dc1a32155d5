// Package iploc maps a client's IPv4 address to the province and city it is
// in, offline, with an ip2region database (the v1 ".db" file that the
// ip2region project and its npm package ship). A scan's network address is
// the one piece of evidence about where it happened that the person scanning
// does not write themselves, so the scan verdict leans on it.
//
// The file is read whole into memory (about 9 MB) and searched by binary
// search over its index; lookups take no locks and touch no disk.
package iploc

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/agritrace/agritrace/internal/region"
)

// The v1 layout: an 8-byte header holding the file offsets of the first and
// last index blocks (little-endian), then sorted 12-byte index blocks of
// start address, end address and a data pointer whose low 24 bits are the
// offset of the record and high 8 bits its length. A record is a 4-byte city
// id followed by "country|area|province|city|ISP", with "0" for unknown.
const (
	headerSize = 8
	blockSize  = 12
)

// DB is an opened ip2region database.
type DB struct {
	data        []byte
	first, last uint32
}

// Place is what the database says about an address; empty fields are unknown.
type Place struct {
	Country, Area, Province, City, ISP string
}

// Open reads and checks the database at path.
func Open(path string) (*DB, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ip region database: %w", err)
	}
	db, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("ip region database %s: %w", path, err)
	}
	return db, nil
}

func parse(b []byte) (*DB, error) {
	if len(b) < headerSize+blockSize {
		return nil, fmt.Errorf("%d bytes is too short for an ip2region v1 file", len(b))
	}
	db := &DB{data: b, first: binary.LittleEndian.Uint32(b), last: binary.LittleEndian.Uint32(b[4:])}
	if db.first < headerSize || db.last < db.first || (db.last-db.first)%blockSize != 0 || uint64(db.last)+blockSize > uint64(len(b)) {
		return nil, fmt.Errorf("index %d..%d does not fit a file of %d bytes: not an ip2region v1 file", db.first, db.last, len(b))
	}
	return db, nil
}

// Lookup returns what the database knows about addr; false for an address it
// does not cover, an IPv6 address, or a damaged record.
func (db *DB) Lookup(addr netip.Addr) (Place, bool) {
	addr = addr.Unmap()
	if !addr.Is4() {
		return Place{}, false
	}
	a4 := addr.As4()
	ip := binary.BigEndian.Uint32(a4[:])
	lo, hi := 0, int((db.last-db.first)/blockSize)
	for lo <= hi {
		mid := (lo + hi) / 2
		blk := db.data[int(db.first)+mid*blockSize:]
		start, end := binary.LittleEndian.Uint32(blk), binary.LittleEndian.Uint32(blk[4:])
		switch {
		case ip < start:
			hi = mid - 1
		case ip > end:
			lo = mid + 1
		default:
			return db.record(binary.LittleEndian.Uint32(blk[8:]))
		}
	}
	return Place{}, false
}

func (db *DB) record(ptr uint32) (Place, bool) {
	off, n := int(ptr&0xffffff), int(ptr>>24)
	if n < 4 || off+n > len(db.data) {
		return Place{}, false
	}
	f := strings.Split(string(db.data[off+4:off+n]), "|")
	if len(f) != 5 {
		return Place{}, false
	}
	for i := range f {
		if f[i] == "0" {
			f[i] = ""
		}
	}
	return Place{Country: f[0], Area: f[1], Province: f[2], City: f[3], ISP: f[4]}, true
}

// Region returns the division code of the place addr is in, at province
// level or, where internal/region knows the city, prefecture level; "" for an
// address outside China or not in the database.
func (db *DB) Region(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return ""
	}
	p, ok := db.Lookup(a)
	if !ok || p.Country != "中国" {
		return ""
	}
	return region.Code(p.Province, p.City)
}
