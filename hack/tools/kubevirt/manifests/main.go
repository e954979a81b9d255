// Command kubevirt-manifests prints the cluster-scoped objects that virt-operator would install for
// virt-api and virt-controller, as one multi-document YAML stream on stdout, for `kubectl apply -f -`:
// KubeVirt's CRDs (crds.go: 19 in v1.8, 17 in v1.7), the virt-api mutating and validating webhook configurations, and the
// subresources.kubevirt.io APIServices (v1, v1alpha3). The objects come from the same generator
// functions virt-operator uses, so they match the pinned KubeVirt version; only the Service
// reference (namespace, port) and the CA bundle are filled in here, where virt-operator would do it
// at install time.
//
// Apply with `kubectl apply --server-side -f -` (or `kubectl create -f -`): client-side apply fails
// on four CRDs (virtualmachineinstances, virtualmachines, virtualmachinesnapshotcontents,
// virtualmachinepools), whose last-applied annotation would exceed 262144 bytes.
//
// This file is shared by every KubeVirt version's module (hack/tools/kubevirt-vX.Y/manifests/main.go
// is a symlink to it); each module's crds.go holds that version's CRD list.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"kubevirt.io/kubevirt/pkg/virt-operator/resource/generate/components"
)

func main() {
	namespace := flag.String("namespace", "kubevirt", "namespace of the virt-api Service")
	caBundleFile := flag.String("ca-bundle-file", "", "PEM file whose bytes become the caBundle of the webhooks and APIServices (empty: no caBundle)")
	port := flag.Int("port", 443, "port of the virt-api Service that the webhooks and APIServices call")
	flag.Parse()
	if err := run(*namespace, *caBundleFile, int32(*port)); err != nil {
		fmt.Fprintln(os.Stderr, "kubevirt-manifests:", err)
		os.Exit(1)
	}
}

func run(namespace, caBundleFile string, port int32) error {
	var caBundle []byte
	if caBundleFile != "" {
		b, err := os.ReadFile(caBundleFile)
		if err != nil {
			return err
		}
		caBundle = b
	}

	var objs []any
	for _, f := range crdFuncs {
		crd, err := f()
		if err != nil {
			return err
		}
		objs = append(objs, crd)
	}

	mutating := components.NewVirtAPIMutatingWebhookConfiguration(namespace)
	for i := range mutating.Webhooks {
		setClientConfig(&mutating.Webhooks[i].ClientConfig, port, caBundle)
	}
	validating := components.NewVirtAPIValidatingWebhookConfiguration(namespace)
	for i := range validating.Webhooks {
		setClientConfig(&validating.Webhooks[i].ClientConfig, port, caBundle)
	}
	objs = append(objs, mutating, validating)

	for _, svc := range components.NewVirtAPIAPIServices(namespace) {
		svc.Spec.Service.Port = &port
		svc.Spec.CABundle = caBundle
		objs = append(objs, svc)
	}

	out := os.Stdout
	for _, obj := range objs {
		doc, err := toYAML(obj)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(out, "---\n%s", doc); err != nil {
			return err
		}
	}
	return nil
}

func setClientConfig(cc *admissionregistrationv1.WebhookClientConfig, port int32, caBundle []byte) {
	if cc.Service != nil {
		cc.Service.Port = &port
	}
	cc.CABundle = caBundle
}

// toYAML drops what a client must not send (status, a null creationTimestamp) and checks that
// the object names its apiVersion and kind, which the generators set themselves.
func toYAML(obj any) ([]byte, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var u unstructured.Unstructured
	if err := json.Unmarshal(j, &u.Object); err != nil {
		return nil, err
	}
	if u.GetAPIVersion() == "" || u.GetKind() == "" {
		return nil, fmt.Errorf("%T %q: apiVersion or kind not set", obj, u.GetName())
	}
	unstructured.RemoveNestedField(u.Object, "status")
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	j, err = json.Marshal(u.Object)
	if err != nil {
		return nil, err
	}
	return yaml.JSONToYAML(j)
}
