package sigstore

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strconv"
)

// DSSE envelopes (github.com/secure-systems-lab/dsse) carry an in-toto
// statement signed over its pre-authentication encoding (PAE); the file
// is one of the statement's subjects, named by digest.

// InTotoPayloadType is the DSSE payload type of an in-toto statement, the
// only one a bundle's envelope may carry here.
const InTotoPayloadType = "application/vnd.in-toto+json"

// Bounds on a statement's subjects (sigstore-go's).
const (
	maxSubjects       = 1024
	maxSubjectDigests = 32
)

type envelopeJSON struct {
	Payload     []byte `json:"payload"`
	PayloadType string `json:"payloadType"`
	Signatures  []struct {
		Sig   []byte `json:"sig"`
		KeyID string `json:"keyid"`
	} `json:"signatures"`
}

// envelope is a DSSE envelope with its one signature.
type envelope struct {
	payload     []byte
	payloadType string
	sig         []byte
}

// parseEnvelope reads a bundle's DSSE envelope: an in-toto payload and
// exactly one signature (what a Sigstore bundle allows).
func parseEnvelope(raw []byte) (*envelope, error) {
	var j envelopeJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, fail(ErrMalformed, "bundle's DSSE envelope does not parse: %v", err)
	}
	if len(j.Signatures) != 1 || len(j.Signatures[0].Sig) == 0 {
		return nil, fail(ErrSignature, "bundle's DSSE envelope has %d signatures, want exactly one", len(j.Signatures))
	}
	if len(j.Payload) == 0 {
		return nil, fail(ErrMalformed, "bundle's DSSE envelope has no payload")
	}
	if j.PayloadType != InTotoPayloadType {
		return nil, fail(ErrUnsupported, "bundle's DSSE envelope holds a %q payload, want an in-toto statement (%s)", j.PayloadType, InTotoPayloadType)
	}
	return &envelope{payload: j.Payload, payloadType: j.PayloadType, sig: j.Signatures[0].Sig}, nil
}

// pae is DSSE's pre-authentication encoding of the payload: what the
// signature covers.
func pae(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString("DSSEv1 ")
	b.WriteString(strconv.Itoa(len(payloadType)))
	b.WriteByte(' ')
	b.WriteString(payloadType)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(payload)))
	b.WriteByte(' ')
	b.Write(payload)
	return b.Bytes()
}

type statementJSON struct {
	Subject []struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
}

// checkSubject checks that the envelope's in-toto statement names digest
// (a SHA-256) as one of its subjects.
func (e *envelope) checkSubject(digest []byte) error {
	var st statementJSON
	if err := json.Unmarshal(e.payload, &st); err != nil {
		return fail(ErrMalformed, "bundle's in-toto statement does not parse: %v", err)
	}
	if len(st.Subject) == 0 {
		return fail(ErrSignature, "bundle's in-toto statement names no subject")
	}
	if len(st.Subject) > maxSubjects {
		return fail(ErrMalformed, "bundle's in-toto statement names %d subjects, more than the %d this verifier reads", len(st.Subject), maxSubjects)
	}
	for _, s := range st.Subject {
		if len(s.Digest) > maxSubjectDigests {
			return fail(ErrMalformed, "bundle's in-toto statement's subject %q has %d digests, more than the %d this verifier reads", s.Name, len(s.Digest), maxSubjectDigests)
		}
		if d, err := hex.DecodeString(s.Digest["sha256"]); err == nil && bytes.Equal(d, digest) {
			return nil
		}
	}
	return fail(ErrSignature, "bundle's in-toto statement does not name sha256 %x among its %d subjects: the file is not the one attested", digest, len(st.Subject))
}
