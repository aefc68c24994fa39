// Runs MetalLB's own validator (internal/config: NewValidator, For) over the plan corpus, the way the
// webhooks and the speakers call it, and compares the verdicts and wording with ours. Copied into a
// copy of the MetalLB module by run.sh; not part of this project's build.
package config

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	metallbv1beta1 "go.universe.tf/metallb/api/v1beta1"
	metallbv1beta2 "go.universe.tf/metallb/api/v1beta2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// One case as export-cases.ts writes it, with our verdict.
type corpusCase struct {
	File          string           `json:"file"`
	Docs          []map[string]any `json:"docs"`
	Ours          string           `json:"ours"`
	OursApiserver bool             `json:"oursApiserver"`
	Speaker       bool             `json:"speaker"`
	Messages      []string         `json:"messages"`
}

const metallbNamespace = "metallb-system"

var errNotMetalLB = fmt.Errorf("not a MetalLB kind")

func decode(doc map[string]any, into client.Object) error {
	raw, _ := json.Marshal(doc)
	if err := json.Unmarshal(raw, into); err != nil {
		return err // the webhook answers with the decoder's error as is
	}
	if into.GetNamespace() == "" {
		into.SetNamespace(metallbNamespace)
	}
	return nil
}

// upsert is what the webhooks' *ListWithUpdate do on a list the API server returns sorted by name.
func upsert[T any](list []T, item T, name func(T) string) []T {
	sorted := slices.Clone(list)
	sort.Slice(sorted, func(i, j int) bool { return name(sorted[i]) < name(sorted[j]) })
	for i := range sorted {
		if name(sorted[i]) == name(item) {
			sorted[i] = item
			return sorted
		}
	}
	return append(sorted, item)
}

func decodeInto[T any, P interface {
	*T
	client.Object
}](doc map[string]any, list *[]T) (client.Object, error) {
	var object T
	if err := decode(doc, P(&object)); err != nil {
		return nil, err
	}
	*list = upsert(*list, object, func(item T) string { return P(&item).GetName() })
	return P(&object), nil
}

// add stores doc in res (created or updated) and returns it typed.
func add(res *ClusterResources, doc map[string]any) (client.Object, error) {
	switch doc["kind"] {
	case "IPAddressPool":
		return decodeInto[metallbv1beta1.IPAddressPool](doc, &res.Pools)
	case "L2Advertisement":
		return decodeInto[metallbv1beta1.L2Advertisement](doc, &res.L2Advs)
	case "BGPAdvertisement":
		return decodeInto[metallbv1beta1.BGPAdvertisement](doc, &res.BGPAdvs)
	case "BGPPeer":
		return decodeInto[metallbv1beta2.BGPPeer](doc, &res.Peers)
	case "Community":
		return decodeInto[metallbv1beta1.Community](doc, &res.Communities)
	case "BFDProfile":
		return decodeInto[metallbv1beta1.BFDProfile](doc, &res.BFDProfiles)
	}
	return nil, errNotMetalLB
}

func bgpType() string {
	if bgp := os.Getenv("BGP_TYPE"); bgp != "" {
		return bgp
	}
	return "native"
}

// webhook: the create path of internal/k8s/webhooks, each kind with its own validation context.
func webhook(res ClusterResources, object client.Object) error {
	validator := NewValidator(ValidationFor(bgpType()))
	nodes := &corev1.NodeList{Items: res.Nodes}
	pools := &metallbv1beta1.IPAddressPoolList{Items: res.Pools}
	if peer, ok := object.(*metallbv1beta2.BGPPeer); ok && peer.Spec.DisableMP {
		return nil // only a deprecation warning
	}
	if object.GetNamespace() != metallbNamespace {
		return fmt.Errorf("resource must be created in %s namespace", metallbNamespace)
	}
	switch object.(type) {
	case *metallbv1beta1.IPAddressPool:
		return validator.Validate(pools)
	case *metallbv1beta1.L2Advertisement:
		return validator.Validate(&metallbv1beta1.L2AdvertisementList{Items: res.L2Advs}, pools)
	case *metallbv1beta1.BGPAdvertisement:
		return validator.Validate(&metallbv1beta1.BGPAdvertisementList{Items: res.BGPAdvs}, pools, nodes)
	case *metallbv1beta1.Community:
		return validator.Validate(&metallbv1beta1.CommunityList{Items: res.Communities})
	case *metallbv1beta2.BGPPeer:
		return validator.Validate(&metallbv1beta2.BGPPeerList{Items: res.Peers}, nodes)
	}
	return nil // BFDProfile: the namespace only
}

func inNamespace[T any](list []T, namespace func(T) string) []T {
	return slices.DeleteFunc(slices.Clone(list), func(item T) bool { return namespace(item) != metallbNamespace })
}

// speakers: everything of the namespace, nothing reset.
func speakers(res ClusterResources) error {
	res.Pools = inNamespace(res.Pools, func(p metallbv1beta1.IPAddressPool) string { return p.Namespace })
	res.L2Advs = inNamespace(res.L2Advs, func(p metallbv1beta1.L2Advertisement) string { return p.Namespace })
	res.BGPAdvs = inNamespace(res.BGPAdvs, func(p metallbv1beta1.BGPAdvertisement) string { return p.Namespace })
	res.Peers = inNamespace(res.Peers, func(p metallbv1beta2.BGPPeer) string { return p.Namespace })
	_, err := For(res, ValidationFor(bgpType()))
	return err
}

// The lab's kwok nodes.
func labNodes() []corev1.Node {
	node := func(name string) corev1.Node {
		return corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			"kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name, "type": "kwok"}}}
	}
	return []corev1.Node{node("kwok-node-0"), node("kwok-node-1")}
}

func oneLine(err error) string {
	if err == nil {
		return "-"
	}
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

func TestCorpusAgreement(t *testing.T) {
	data, err := os.ReadFile(os.Getenv("CASES"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	disagree, exact, compared := 0, 0, 0
	for _, c := range cases {
		if c.OursApiserver {
			continue // the CRD schema and CEL rules are not MetalLB's Go code
		}
		res := ClusterResources{Nodes: labNodes()}
		for _, doc := range c.Docs[:len(c.Docs)-1] {
			if _, err := add(&res, doc); err != nil {
				t.Fatalf("%s: context: %v", c.File, err)
			}
		}
		object, err := add(&res, c.Docs[len(c.Docs)-1])
		if err == errNotMetalLB {
			fmt.Printf("skip    %s (not a MetalLB kind)\n", c.File)
			continue
		}
		denied, speakerErr := err, err
		if err == nil {
			denied, speakerErr = webhook(res, object), speakers(res)
		}
		verdict := map[bool]string{true: "deny", false: "admit"}[denied != nil]
		agrees := verdict == c.Ours && (denied != nil || (speakerErr != nil) == c.Speaker)
		if !agrees {
			disagree++
		}
		theirs := denied
		if theirs == nil {
			theirs = speakerErr
		}
		wording := "-"
		if theirs != nil {
			compared++
			if slices.Contains(c.Messages, oneLine(theirs)) {
				exact++
				wording = "same"
			} else {
				wording = fmt.Sprintf("differs: ours %q", c.Messages)
			}
		}
		fmt.Printf("%-7s %s: webhook %s (ours %s), speakers refuse: %v (ours %v)\n        metallb: %s\n        wording: %s\n",
			map[bool]string{true: "agree", false: "DIFFER"}[agrees], c.File, verdict, c.Ours, speakerErr != nil, c.Speaker,
			oneLine(theirs), wording)
	}
	fmt.Printf("verdicts: %d disagreements; wording: %d of %d MetalLB errors word for word\n", disagree, exact, compared)
	if disagree > 0 {
		t.Fail()
	}
}
