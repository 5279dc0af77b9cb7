package sigstore

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"time"
)

// MaxRekorAnswerSize caps the body of a Rekor retrieve answer
// VerifyRekorAnswer reads (one entry with its proof is about 6 KiB).
const MaxRekorAnswerSize = 256 << 10

// RekorRetrievePath is the Rekor v1 API endpoint RekorQuery's body is
// posted to, relative to the log's base URL.
const RekorRetrievePath = "/api/v1/log/entries/retrieve"

// LogEntry describes a Rekor entry that verified (VerifyRekorAnswer).
type LogEntry struct {
	// LogID is the hex ID of the Rekor log (the SHA-256 of its key).
	LogID string
	// LogIndex is the entry's index in that log, as its signed entry
	// timestamp vouches for it.
	LogIndex int64
	// IntegratedTime is when the log took the entry in, as the signed
	// entry timestamp vouches for it; it lies inside the certificate's
	// validity.
	IntegratedTime time.Time
	// InclusionProof reports that the answer carried an inclusion proof
	// and a checkpoint, and both verified.
	InclusionProof bool
}

// RekorQuery returns the JSON body of a Rekor v1 `POST
// /api/v1/log/entries/retrieve` (RekorRetrievePath) that asks for the
// hashedrekord 0.0.1 entry of the detached signature sigFile and
// certificate certFile (the bodies of FILE.sig and FILE.cert, as
// VerifyDigest takes them) over digest, the way cosign proposes it. Rekor
// finds entries by the hash of that proposal, so nothing else is needed.
// Errors match ErrMalformed.
func RekorQuery(digest, sigFile, certFile []byte) ([]byte, error) {
	if len(digest) != 32 {
		return nil, fail(ErrMalformed, "digest is %d bytes, want a 32-byte sha256", len(digest))
	}
	sig, err := decodeSignatureFile(sigFile)
	if err != nil {
		return nil, err
	}
	leaf, err := decodeCertificateFile(certFile)
	if err != nil {
		return nil, err
	}
	b64 := base64.StdEncoding.EncodeToString
	return []byte(`{"entries":[{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"` +
		hex.EncodeToString(digest) + `"}},"signature":{"content":"` + b64(sig) + `","publicKey":{"content":"` +
		b64(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})) + `"}}}}]}`), nil
}

// rekorAPIEntry is one entry of a Rekor v1 API answer (LogEntryAnon).
type rekorAPIEntry struct {
	Body           []byte `json:"body"`
	IntegratedTime int64  `json:"integratedTime"`
	LogID          string `json:"logID"`
	LogIndex       int64  `json:"logIndex"`
	Verification   *struct {
		SignedEntryTimestamp []byte `json:"signedEntryTimestamp"`
		InclusionProof       *struct {
			Checkpoint string   `json:"checkpoint"`
			Hashes     []string `json:"hashes"`
			LogIndex   int64    `json:"logIndex"`
			RootHash   string   `json:"rootHash"`
			TreeSize   int64    `json:"treeSize"`
		} `json:"inclusionProof"`
	} `json:"verification"`
}

// parseRekorAnswer reads a retrieve answer, a JSON array of objects that
// map entry UUIDs to entries, into the bundle form verifyEntry checks.
func parseRekorAnswer(answer []byte) ([]tlogEntryJSON, error) {
	if len(answer) > MaxRekorAnswerSize {
		return nil, fail(ErrMalformed, "Rekor's answer is %d bytes, more than the %d this verifier reads", len(answer), MaxRekorAnswerSize)
	}
	var list []map[string]rekorAPIEntry
	if err := json.Unmarshal(answer, &list); err != nil {
		return nil, fail(ErrMalformed, "Rekor's answer is not a list of log entries: %v", err)
	}
	var out []tlogEntryJSON
	for _, m := range list {
		for uuid, a := range m {
			if len(out) == maxTlogEntries {
				return nil, fail(ErrMalformed, "Rekor's answer holds more than the %d entries this verifier reads", maxTlogEntries)
			}
			var e tlogEntryJSON
			id, err := hex.DecodeString(a.LogID)
			if err != nil || len(id) == 0 {
				return nil, fail(ErrMalformed, "Rekor entry %.80s names its log by %.80q, not by a hex ID", uuid, a.LogID)
			}
			var head struct {
				Kind       string `json:"kind"`
				APIVersion string `json:"apiVersion"`
			}
			if json.Unmarshal(a.Body, &head) != nil {
				return nil, fail(ErrMalformed, "Rekor entry %.80s's body is not a JSON entry", uuid)
			}
			e.LogID.KeyID, e.LogIndex, e.IntegratedTime = id, pbInt64(a.LogIndex), pbInt64(a.IntegratedTime)
			e.KindVersion.Kind, e.KindVersion.Version = head.Kind, head.APIVersion
			e.CanonicalizedBody = a.Body
			if v := a.Verification; v != nil {
				if len(v.SignedEntryTimestamp) > 0 {
					e.InclusionPromise = &struct {
						SignedEntryTimestamp []byte `json:"signedEntryTimestamp"`
					}{v.SignedEntryTimestamp}
				}
				if p := v.InclusionProof; p != nil {
					ip := &inclusionProofJSON{LogIndex: pbInt64(p.LogIndex), TreeSize: pbInt64(p.TreeSize)}
					ip.Checkpoint.Envelope = p.Checkpoint
					if ip.RootHash, err = hex.DecodeString(p.RootHash); err != nil {
						return nil, fail(ErrMalformed, "Rekor entry %.80s's inclusion proof has a root hash that is not hex", uuid)
					}
					for _, h := range p.Hashes {
						b, err := hex.DecodeString(h)
						if err != nil {
							return nil, fail(ErrMalformed, "Rekor entry %.80s's inclusion proof has a hash that is not hex", uuid)
						}
						ip.Hashes = append(ip.Hashes, b)
					}
					e.InclusionProof = ip
				}
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// VerifyRekorAnswer checks Rekor's answer (the body of a `POST
// /api/v1/log/entries/retrieve` with RekorQuery's body) as the evidence
// that the detached signature sigFile with certificate certFile over
// digest was logged while the certificate was valid. The caller has
// verified the signature itself (VerifyDigest, under the same root); a
// nil root means PublicGood(). Every entry of a Rekor log that root lists
// must hold, as a bundle's Rekor v1 entry must (see VerifyBundle): its
// signed entry timestamp verifies with that log's key, valid at its
// integrated time; its inclusion proof and checkpoint, when the answer
// carries them, verify; its body is a hashedrekord 0.0.1 entry of exactly
// this digest, signature and certificate; and its integrated time lies
// inside the certificate's validity. Entries of other logs are passed
// over.
//
// An answer with no entry of a listed log (Rekor has none for this
// signature, or only in a log root does not list) fails with
// ErrNoLogEntry: no evidence either way. A signature logged only in a
// Rekor v2 log is never found this way (Rekor v2 has no search); a bundle
// carries its proof. Any other failure is evidence against the signature
// and matches ErrTransparencyLog (or ErrMalformed, ErrUnsupported). The
// function is pure: no clock, no network.
func VerifyRekorAnswer(digest, sigFile, certFile, answer []byte, root *TrustedRoot) (*LogEntry, error) {
	if root == nil {
		root = PublicGood()
	}
	if root.err != nil {
		return nil, root.err
	}
	if len(digest) != 32 {
		return nil, fail(ErrMalformed, "digest is %d bytes, want a 32-byte sha256", len(digest))
	}
	sig, err := decodeSignatureFile(sigFile)
	if err != nil {
		return nil, err
	}
	leaf, err := decodeCertificateFile(certFile)
	if err != nil {
		return nil, err
	}
	entries, err := parseRekorAnswer(answer)
	if err != nil {
		return nil, err
	}
	s := &signed{digest: digest, sig: sig, leaf: leaf, key: leaf.PublicKey}
	var found *LogEntry
	var unknown []byte
	for i := range entries {
		e := &entries[i]
		if k := e.KindVersion.Kind + " " + e.KindVersion.Version; k != "hashedrekord 0.0.1" {
			if _, listed := root.tlogs[string(e.LogID.KeyID)]; !listed {
				unknown = e.LogID.KeyID
				continue
			}
			return nil, fail(ErrTransparencyLog, "Rekor's entry %d is a %q entry, not the hashedrekord 0.0.1 entry of a signature file", e.LogIndex, k)
		}
		var res Result
		at, skipped, err := root.verifyEntry(e, s, 1, &res)
		if err != nil {
			return nil, err
		}
		if skipped {
			unknown = e.LogID.KeyID
			continue
		}
		if found == nil {
			found = &LogEntry{LogID: res.RekorLogID, LogIndex: res.LogIndex, IntegratedTime: at.UTC(), InclusionProof: e.InclusionProof != nil}
		}
	}
	switch {
	case found != nil:
		return found, nil
	case unknown != nil:
		return nil, fail(ErrNoLogEntry, "Rekor's entry for this signature is in log %x, which the trusted root does not list (a newer trusted root may)", unknown)
	}
	return nil, fail(ErrNoLogEntry, "Rekor has no entry for this signature (a signature logged only in a Rekor v2 log cannot be looked up: it has no search)")
}
