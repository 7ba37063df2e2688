//go:build badger

package datastore

// DVID v1.0.0 links the filelog engine only into basholeveldb builds, but a labelmap instance needs
// a log store. This file, added to DVID's datastore package before building, links it into badger
// builds too (DVID's later versions do exactly this in datastore/badger.go).
import _ "github.com/janelia-flyem/dvid/storage/filelog"
