#!/usr/bin/env bash
# fake-gcs-server (github.com/fsouza/fake-gcs-server), the GCS server of the bucket tests, pinned.
source "$(dirname "$0")/common.sh"
bash "$DFLOW_ROOT/scripts/build-go-tool.sh" fake-gcs-server github.com/fsouza/fake-gcs-server "$FAKE_GCS_VERSION" "$FAKE_GCS_HOME"
