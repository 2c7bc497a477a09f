package accessanalyzer_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/accessanalyzer"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

type resource struct {
	Type           string
	Properties     map[string]any
	DeletionPolicy string
}

func synth(t *testing.T, p *accessanalyzer.Props) map[string]resource {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("us-east-1")},
	})
	if a := accessanalyzer.New(stack, "AccessAnalyzer", p); a.Analyzer == nil {
		t.Error("Analyzer is nil")
	}
	raw, err := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources
}

func TestAnalyzer(t *testing.T) {
	for _, tc := range []struct {
		props *accessanalyzer.Props
		name  string
	}{
		{nil, accessanalyzer.DefaultAnalyzerName},
		{&accessanalyzer.Props{AnalyzerName: "org-external-access"}, "org-external-access"},
	} {
		rs := synth(t, tc.props)
		if len(rs) != 1 {
			t.Fatalf("%d resources, want the analyzer only", len(rs))
		}
		for _, r := range rs {
			b, _ := json.Marshal(r.Properties)
			if r.Type != "AWS::AccessAnalyzer::Analyzer" || string(b) != `{"AnalyzerName":"`+tc.name+`","Type":"ORGANIZATION"}` || r.DeletionPolicy != "Retain" {
				t.Errorf("%s %s, deletion %q; want a retained ORGANIZATION analyzer named %s", r.Type, b, r.DeletionPolicy, tc.name)
			}
		}
	}
}

func TestMisusePanics(t *testing.T) {
	for _, name := range []string{"1org", "org analyzer", strings.Repeat("a", 256)} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Props.AnalyzerName") {
					t.Errorf("%q: panic %v, want one naming Props.AnalyzerName", name, r)
				}
			}()
			synth(t, &accessanalyzer.Props{AnalyzerName: name})
		}()
	}
}
