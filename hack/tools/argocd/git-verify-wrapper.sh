#!/bin/sh
# Stand-in for Argo CD's hack/git-verify-wrapper.sh, which its image puts on the repo-server's PATH.
# hack/build-argocd.sh copies this file next to the argocd binary; put that folder on PATH.
#
# Why it must exist: Argo CD v3.6 runs 'git-verify-wrapper.sh REVISION' (looked up on PATH) on every
# manifest generation (reposerver/repository/repository.go, L556: gitClient.VerifyCommitSignature;
# util/git/client.go, L1172) and turns any failure to run it into the error "permission denied".
# What it must do: the real script prints the output of 'git verify-commit'/'verify-tag' for
# REVISION and exits 0 (also for an unsigned revision). Argo CD only reads that output when GPG
# is enabled (ARGOCD_GPG_ENABLED not false/no; util/sourceintegrity/gpg.go, L870) or an AppProject
# has legacy signatureKeys (controller/state.go, L1127, which also skips empty output). The test bed
# runs with ARGOCD_GPG_ENABLED=false and no signature keys, so empty output and exit 0 are exactly
# what the real script's result amounts to there. Its argument is a revision, not a command, so
# "exec $@" would be wrong.
#
# With GPG enabled an empty output would read as "revision is not signed" and hide the stub, so
# refuse loudly instead of pretending to have verified anything.
case "$(printf '%s' "${ARGOCD_GPG_ENABLED:-true}" | tr '[:upper:]' '[:lower:]')" in
false | no) ;;
*)
	echo "git-verify-wrapper.sh (acd-operator stub): cannot verify signatures; run with ARGOCD_GPG_ENABLED=false" >&2
	exit 1
	;;
esac
if [ -z "$1" ]; then
	echo "Wrong usage of git-verify-wrapper.sh" >&2
	exit 1
fi
exit 0
