// ziriz-gosym: where a Go program's TLS and socket functions are, for the
// node agent's uprobes. Go programs carry their own TLS stack (crypto/tls)
// and make system calls without libc, so the OpenSSL and libc probes never
// see them; their functions are found here by name in the symbol table or,
// in a stripped binary, in .gopclntab (which a Go program cannot run
// without). Uretprobes corrupt Go stacks (the runtime moves and walks them),
// so a function's returns are given as the file offsets of its RET
// instructions, found by decoding the function's machine code.
//
// Usage: ziriz-gosym FILE
// Prints one JSON object: {"go": version or "", "arch", "functions": [...]}.
// A file that is not a Go program prints {"go": ""} and exits 0; a Go program
// whose code cannot be decoded exits 1 with the reason on stderr.
package main

import (
	"debug/buildinfo"
	"debug/elf"
	"debug/gosym"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// Wanted are the functions the agent probes.
var wanted = []string{
	"crypto/tls.(*Conn).Write",
	"crypto/tls.(*Conn).Read",
	"crypto/tls.(*Conn).Close",
	"internal/poll.(*FD).Write",
	"internal/poll.(*FD).Read",
	"internal/poll.(*FD).Close",
}

type function struct {
	Name string `json:"name"`
	// Entry and Returns are file offsets (what a uprobe is attached at).
	Entry   uint64   `json:"entry"`
	Returns []uint64 `json:"returns"`
}

type result struct {
	Go        string     `json:"go"`
	Arch      string     `json:"arch,omitempty"`
	Stripped  bool       `json:"stripped,omitempty"`
	Functions []function `json:"functions,omitempty"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: ziriz-gosym FILE")
		os.Exit(2)
	}
	r, err := inspect(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "ziriz-gosym: %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
}

func inspect(path string) (*result, error) {
	f, err := elf.Open(path)
	if err != nil {
		var fe *elf.FormatError
		if errors.As(err, &fe) {
			return &result{}, nil // not ELF: not a Go program
		}
		return nil, err
	}
	defer f.Close()
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return &result{}, nil // no Go build information: not a Go program
	}
	r := &result{Go: bi.GoVersion}
	switch f.Machine {
	case elf.EM_X86_64:
		r.Arch = "amd64"
	case elf.EM_AARCH64:
		r.Arch = "arm64"
	default:
		return nil, fmt.Errorf("unsupported machine %v", f.Machine)
	}
	r.Stripped = f.Section(".symtab") == nil
	tab, err := lineTable(f)
	if err != nil {
		return nil, err
	}
	for _, name := range wanted {
		fn := tab.LookupFunc(name)
		if fn == nil {
			continue // not linked in (a program without TLS)
		}
		code, err := textBytes(f, fn.Entry, fn.End)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		rets, err := returns(r.Arch, code)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		entry, err := fileOffset(f, fn.Entry)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out := function{Name: name, Entry: entry, Returns: []uint64{}}
		for _, at := range rets {
			off, err := fileOffset(f, fn.Entry+at)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out.Returns = append(out.Returns, off)
		}
		r.Functions = append(r.Functions, out)
	}
	return r, nil
}

// lineTable reads .gopclntab (kept in stripped programs: the runtime needs it).
func lineTable(f *elf.File) (*gosym.Table, error) {
	var pcln *elf.Section
	for _, s := range f.Sections {
		if s.Name == ".gopclntab" || strings.HasSuffix(s.Name, ".gopclntab") {
			pcln = s
			break
		}
	}
	if pcln == nil {
		return nil, errors.New("no .gopclntab section")
	}
	data, err := pcln.Data()
	if err != nil {
		return nil, fmt.Errorf("reading .gopclntab: %w", err)
	}
	text := f.Section(".text")
	if text == nil {
		return nil, errors.New("no .text section")
	}
	return gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
}

// textBytes is the machine code at [start, end) of the executable segment.
func textBytes(f *elf.File, start, end uint64) ([]byte, error) {
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Flags&elf.PF_X == 0 || start < p.Vaddr || end > p.Vaddr+p.Filesz {
			continue
		}
		buf := make([]byte, end-start)
		if _, err := p.ReadAt(buf, int64(start-p.Vaddr)); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return nil, fmt.Errorf("code %#x-%#x not in an executable segment", start, end)
}

func fileOffset(f *elf.File, addr uint64) (uint64, error) {
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 && addr >= p.Vaddr && addr < p.Vaddr+p.Filesz {
			return addr - p.Vaddr + p.Off, nil
		}
	}
	return 0, fmt.Errorf("address %#x not in an executable segment", addr)
}

// returns are the offsets of the return instructions in a function's code,
// decoded instruction by instruction from its entry (never a byte search: a
// probe inside an instruction would corrupt it). An undecodable instruction
// is an error, not a guess.
func returns(arch string, code []byte) ([]uint64, error) {
	var out []uint64
	switch arch {
	case "amd64":
		for at := 0; at < len(code); {
			inst, err := x86asm.Decode(code[at:], 64)
			if err != nil {
				return nil, fmt.Errorf("undecodable instruction at +%#x: %w", at, err)
			}
			if inst.Op == x86asm.RET {
				out = append(out, uint64(at))
			}
			at += inst.Len
		}
	case "arm64":
		for at := 0; at+4 <= len(code); at += 4 {
			if binary.LittleEndian.Uint32(code[at:]) == 0xd65f03c0 { // RET (X30)
				out = append(out, uint64(at))
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no return instruction found")
	}
	return out, nil
}
