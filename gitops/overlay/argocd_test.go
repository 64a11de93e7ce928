package overlay

import (
	"strings"
	"testing"
)

func TestApplicationKustomize(t *testing.T) {
	out := Outputs{
		RepositoryURL: "210987654321.dkr.ecr.ap-northeast-2.amazonaws.com/mission-link-dev",
		AppRoleARN:    "arn:aws:iam::210987654321:role/mission-link-dev-app-7d3a1f0",
	}
	k, err := ApplicationKustomize(out, "mission-link")
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Images) != 1 || k.Images[0] != "mission-link="+out.RepositoryURL+":*" {
		t.Errorf("images %v: want the repository with the kustomization's tag kept (:*)", k.Images)
	}
	if len(k.Patches) != 1 || k.Patches[0].Target != (PatchTarget{Version: "v1", Kind: "ServiceAccount", Name: "mission-link"}) ||
		k.Patches[0].Patch != `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"annotations":{"eks.amazonaws.com/role-arn":"`+out.AppRoleARN+`"},"name":"mission-link"}}` {
		t.Errorf("patches %+v", k.Patches)
	}
	for name, tc := range map[string]struct {
		out  Outputs
		sa   string
		want string
	}{
		"tagged repository": {Outputs{RepositoryURL: out.RepositoryURL + ":v1", AppRoleARN: out.AppRoleARN}, "mission-link", "is not an ECR repository URL"},
		"user, not role":    {Outputs{RepositoryURL: out.RepositoryURL, AppRoleARN: "arn:aws:iam::210987654321:user/ci"}, "mission-link", "is not an IAM role ARN"},
		"no account":        {out, "", "service account name is empty"},
	} {
		if _, err := ApplicationKustomize(tc.out, tc.sa); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, tc.want)
		}
	}
}
