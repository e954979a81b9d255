// Command kstatus reads one Kubernetes object (JSON, or YAML) on stdin and prints the verdict of
// sigs.k8s.io/cli-utils/pkg/kstatus/status.Compute for it as one line of JSON:
//
//	{"status":"InProgress","message":"Replicas: 0/1"}
//
// status is one of InProgress, Current, Failed, Terminating (Compute's four), and message says why.
// Compute works on the object alone: the caller fetches it (kubectl get -o json) and pipes it in,
// so this needs no client, kubeconfig or cluster. A List (kind *List with items) is refused: pass
// one object. Exit status: 0 when a verdict was printed, 1 when Compute failed, 2 on bad input.
//
// Mind Compute's order: a deletionTimestamp wins, then metadata.generation ahead of
// status.observedGeneration (InProgress), then the first condition in status.conditions that is
// Reconciling=True (InProgress) or Stalled=True (Failed), whichever comes first in the list.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"
)

const usage = `usage: kstatus < object.json
Reads one Kubernetes object (JSON or YAML) on stdin and prints
{"status":"InProgress|Current|Failed|Terminating","message":"..."}
as computed by sigs.k8s.io/cli-utils/pkg/kstatus/status.Compute.
`

type verdict struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kstatus: "+format+"\n", args...)
	os.Exit(code)
}

func main() {
	if len(os.Args) > 1 {
		fmt.Fprint(os.Stderr, usage)
		if a := os.Args[1]; a == "-h" || a == "--help" || a == "help" {
			os.Exit(0)
		}
		os.Exit(2)
	}
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(2, "reading stdin: %v", err)
	}
	if strings.TrimSpace(string(in)) == "" {
		fail(2, "no object on stdin")
	}
	// YAMLToJSON passes JSON through (JSON is YAML) and turns a YAML document into JSON.
	js, err := yaml.YAMLToJSON(in)
	if err != nil {
		fail(2, "parsing stdin: %v", err)
	}
	// Unstructured's own decoder, not encoding/json: Compute reads metadata.generation and
	// status.observedGeneration as int64, and plain json.Unmarshal would give float64.
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		fail(2, "stdin is not one Kubernetes object: %v", err)
	}
	if u.GetKind() == "" || u.GetAPIVersion() == "" {
		fail(2, "object has no apiVersion/kind")
	}
	if u.IsList() {
		fail(2, "got a %s: pass one object", u.GetKind())
	}
	res, err := status.Compute(u)
	if err != nil {
		fail(1, "computing status of %s %s: %v", u.GetKind(), u.GetName(), err)
	}
	out, err := json.Marshal(verdict{Status: res.Status.String(), Message: res.Message})
	if err != nil {
		fail(1, "encoding result: %v", err)
	}
	fmt.Println(string(out))
}
