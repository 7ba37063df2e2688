// go-labels: times DVID's own compressed label block codec (github.com/janelia-flyem/dvid v1.0.0,
// datatype/common/labels) on the blocks of a raw blocks file, for bench/bench_codec.py.
//
//	go-labels -blocks RAW [-reps N] [-min-ms M] [-write ENC] [-check ENC]
//
// RAW (written by bench_codec dump):  "DFCBRAW1", then per block: u32 name length, name,
//
//	u32 nx, ny, nz, nx*ny*nz uint64 labels (little-endian, z-major, x fastest).
//
// ENC (encoded blocks, same order):   "DFCBENC1", then per block: u32 name length, name,
//
//	u32 nbytes, the DVID compressed block.
//
// For each block: encode = labels.MakeBlock + MarshalBinary; decode = UnmarshalBinary into a new
// Block + MakeLabelVolume (both allocate their output, as our encode_block / decode_block(span) do).
// Each is timed as the best of -reps repetitions of k calls, k chosen so one repetition lasts
// at least -min-ms. Prints one JSON line per block:
//
//	{"name":..., "voxels":N, "bytes":encoded size, "encode_ns":..., "decode_ns":...}
//
// -write saves DVID's encodings (for our decoder to cross-check); -check decodes the given
// encodings (ours) with DVID's decoder and compares with RAW, printing {"check":"ok",...} or
// exiting 1 naming the first differing block. Runs on one OS thread (GOMAXPROCS=1) unless -procs.
package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/janelia-flyem/dvid/datatype/common/labels"
	"github.com/janelia-flyem/dvid/dvid"
)

type rawBlock struct {
	name string
	size dvid.Point3d
	data []byte // nx*ny*nz little-endian uint64
}

type encBlock struct {
	name string
	data []byte
}

func fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-labels: "+format+"\n", args...)
	os.Exit(1)
}

func readU32(r io.Reader, path string) uint32 {
	var b [4]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		fatalf("%s: truncated: %v", path, err)
	}
	return binary.LittleEndian.Uint32(b[:])
}

func readName(r io.Reader, path string) string {
	n := readU32(r, path)
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		fatalf("%s: truncated name: %v", path, err)
	}
	return string(b)
}

func openWithMagic(path, magic string) (*os.File, *bufio.Reader) {
	f, err := os.Open(path)
	if err != nil {
		fatalf("%v", err)
	}
	r := bufio.NewReaderSize(f, 1<<20)
	m := make([]byte, 8)
	if _, err := io.ReadFull(r, m); err != nil || string(m) != magic {
		fatalf("%s: not a %s file", path, magic)
	}
	return f, r
}

func readRaw(path string) []rawBlock {
	f, r := openWithMagic(path, "DFCBRAW1")
	defer f.Close()
	var out []rawBlock
	for {
		if _, err := r.Peek(1); err == io.EOF {
			return out
		}
		b := rawBlock{name: readName(r, path)}
		for i := 0; i < 3; i++ {
			b.size[i] = int32(readU32(r, path))
		}
		b.data = make([]byte, b.size.Prod()*8)
		if _, err := io.ReadFull(r, b.data); err != nil {
			fatalf("%s: block %s truncated: %v", path, b.name, err)
		}
		out = append(out, b)
	}
}

func readEnc(path string) []encBlock {
	f, r := openWithMagic(path, "DFCBENC1")
	defer f.Close()
	var out []encBlock
	for {
		if _, err := r.Peek(1); err == io.EOF {
			return out
		}
		b := encBlock{name: readName(r, path)}
		b.data = make([]byte, readU32(r, path))
		if _, err := io.ReadFull(r, b.data); err != nil {
			fatalf("%s: block %s truncated: %v", path, b.name, err)
		}
		out = append(out, b)
	}
}

func writeU32(w io.Writer, v uint32) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	w.Write(b[:])
}

func encode(b rawBlock) []byte {
	blk, err := labels.MakeBlock(b.data, b.size)
	if err != nil {
		fatalf("block %s: MakeBlock: %v", b.name, err)
	}
	enc, err := blk.MarshalBinary()
	if err != nil {
		fatalf("block %s: MarshalBinary: %v", b.name, err)
	}
	return enc
}

func decode(name string, enc []byte) ([]byte, dvid.Point3d) {
	var blk labels.Block
	if err := blk.UnmarshalBinary(enc); err != nil {
		fatalf("block %s: UnmarshalBinary: %v", name, err)
	}
	return blk.MakeLabelVolume()
}

// best returns the fastest of reps repetitions of k calls of f, in ns per call.
func best(f func(), reps int, minTime time.Duration) float64 {
	t0 := time.Now()
	f() // warm-up, and the calibration of k
	one := time.Since(t0)
	k := 1
	if one < minTime {
		k = int(minTime/(one+1)) + 1
	}
	bestNs := 0.0
	for r := 0; r < reps; r++ {
		t := time.Now()
		for i := 0; i < k; i++ {
			f()
		}
		ns := float64(time.Since(t).Nanoseconds()) / float64(k)
		if r == 0 || ns < bestNs {
			bestNs = ns
		}
	}
	return bestNs
}

func main() {
	rawPath := flag.String("blocks", "", "raw blocks file (bench_codec dump)")
	reps := flag.Int("reps", 5, "repetitions; the best is reported")
	minMs := flag.Float64("min-ms", 20, "minimum duration of one repetition (ms)")
	writePath := flag.String("write", "", "write DVID's encoded blocks here")
	checkPath := flag.String("check", "", "decode these encoded blocks (ours) and compare with the raw blocks")
	procs := flag.Int("procs", 1, "GOMAXPROCS")
	flag.Parse()
	if *rawPath == "" {
		fatalf("-blocks is required")
	}
	runtime.GOMAXPROCS(*procs)
	raw := readRaw(*rawPath)
	out := json.NewEncoder(os.Stdout)

	if *checkPath != "" {
		enc := readEnc(*checkPath)
		if len(enc) != len(raw) {
			fatalf("%s has %d blocks, %s has %d", *checkPath, len(enc), *rawPath, len(raw))
		}
		for i, e := range enc {
			if e.name != raw[i].name {
				fatalf("block %d: %s is %q, %s is %q", i, *checkPath, e.name, *rawPath, raw[i].name)
			}
			vol, size := decode(e.name, e.data)
			if size != raw[i].size {
				fatalf("block %s: DVID decodes our block as %v, expected %v", e.name, size, raw[i].size)
			}
			if !bytes.Equal(vol, raw[i].data) {
				for v := 0; v < len(vol); v += 8 {
					if !bytes.Equal(vol[v:v+8], raw[i].data[v:v+8]) {
						fatalf("block %s: DVID decodes our block differently at voxel %d: %d, expected %d", e.name, v/8,
							binary.LittleEndian.Uint64(vol[v:v+8]), binary.LittleEndian.Uint64(raw[i].data[v:v+8]))
					}
				}
			}
		}
		out.Encode(map[string]interface{}{"check": "ok", "blocks": len(enc)})
		return
	}

	var w *bufio.Writer
	if *writePath != "" {
		f, err := os.Create(*writePath)
		if err != nil {
			fatalf("%v", err)
		}
		defer f.Close()
		w = bufio.NewWriter(f)
		defer w.Flush()
		w.WriteString("DFCBENC1")
	}
	minTime := time.Duration(*minMs * float64(time.Millisecond))
	for _, b := range raw {
		enc := encode(b)
		// DVID's own round trip must hold before its timings mean anything.
		if vol, _ := decode(b.name, enc); !bytes.Equal(vol, b.data) {
			fatalf("block %s: DVID's decode of its own encoding differs", b.name)
		}
		encNs := best(func() { encode(b) }, *reps, minTime)
		decNs := best(func() { decode(b.name, enc) }, *reps, minTime)
		if w != nil {
			writeU32(w, uint32(len(b.name)))
			w.WriteString(b.name)
			writeU32(w, uint32(len(enc)))
			w.Write(enc)
		}
		out.Encode(map[string]interface{}{"name": b.name, "voxels": b.size.Prod(), "bytes": len(enc),
			"encode_ns": encNs, "decode_ns": decNs})
	}
}
