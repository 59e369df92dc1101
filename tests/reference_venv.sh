# The Python venv of reference clients that tokentop's checks run against
# (sourced by tests/conformance/run.sh and tests/corpus/run.sh): one place
# for the pinned versions.

# Creates the venv at $1 if missing, then installs the pinned clients.
reference_venv() {
    local venv="$1"
    if [[ ! -x "$venv/bin/python" ]]; then
        echo "== creating venv $venv"
        python3 -m venv "$venv"
    fi
    echo "== installing reference clients"
    # pyjwt: google.oauth2.id_token.verify_token needs it for JWK-format certs.
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        google-auth==2.62.2 databricks-sdk==0.156.0 requests==2.34.2 pyjwt==2.15.1
}
