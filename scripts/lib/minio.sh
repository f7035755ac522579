# shellcheck shell=bash
# A throwaway MinIO server for tests and benchmarks. minio_install builds the
# pinned release once; minio_start runs it on free local ports with random
# credentials and a fresh data directory; minio_stop ends it and deletes the
# directory. Source this file from a bash script; it only defines functions,
# which report failure by their status (they do not rely on set -e, which bash
# turns off inside a function called from an `if` or `||`).

# minio_install builds MinIO into $(go env GOPATH)/bin unless a binary is
# already there. It builds from source because the Go module proxy is the only
# network a CI machine is promised.
minio_install() {
	local module=github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c
	local bin log
	bin=$(_minio_bin) || return 1
	if [[ -x $bin ]]; then
		return 0
	fi
	echo "installing MinIO (first time, ~4 min)..."
	log=$(mktemp) || return 1
	# GOFLAGS is cleared because settings meant for this module (-mod=vendor)
	# break `go install pkg@version`; GOBIN pins where the binary lands.
	if ! GOFLAGS='' GOBIN=$(dirname "$bin") go install "$module" >"$log" 2>&1; then
		echo "minio_install: go install $module failed:" >&2
		cat "$log" >&2
		rm -f -- "$log"
		return 1
	fi
	rm -f -- "$log"
}

# minio_start starts MinIO on 127.0.0.1 and waits until it serves requests.
# It sets and exports MINIO_ENDPOINT (host:port), MINIO_ACCESS_KEY,
# MINIO_SECRET_KEY, MINIO_PID and MINIO_DIR (its temporary directory, holding
# the data and minio.log). Call it in the current shell, not in $(...), and
# pair it with minio_stop in an EXIT trap.
minio_start() {
	local bin port console_port attempt status
	bin=$(_minio_bin) || return 1
	if [[ ! -x $bin ]]; then
		echo "minio_start: $bin not found; call minio_install first" >&2
		return 1
	fi
	MINIO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cpaudit-minio.XXXXXX") || return 1
	MINIO_ACCESS_KEY=$(_minio_random 8) || return 1  # 16 characters
	MINIO_SECRET_KEY=$(_minio_random 20) || return 1 # 40 characters
	export MINIO_DIR MINIO_ACCESS_KEY MINIO_SECRET_KEY

	# A port found free can be taken before MinIO binds it; if MinIO exits
	# early, try again with other ports before giving up.
	for attempt in 1 2 3; do
		port=$(_minio_free_port) || return 1
		console_port=$(_minio_free_port "$port") || return 1
		MINIO_ENDPOINT=127.0.0.1:$port
		MINIO_ROOT_USER=$MINIO_ACCESS_KEY MINIO_ROOT_PASSWORD=$MINIO_SECRET_KEY \
			MINIO_UPDATE=off MINIO_CI_CD=1 \
			"$bin" server --quiet --address "$MINIO_ENDPOINT" \
			--console-address "127.0.0.1:$console_port" \
			--certs-dir "$MINIO_DIR/certs" "$MINIO_DIR/data" \
			</dev/null >"$MINIO_DIR/minio.log" 2>&1 &
		MINIO_PID=$!
		export MINIO_ENDPOINT MINIO_PID

		status=0
		_minio_wait "$port" 30 || status=$?
		if ((status == 0)); then
			return 0
		fi
		if ((status == 1 && attempt < 3)); then
			wait "$MINIO_PID" 2>/dev/null || true
			continue
		fi
		if ((status == 1)); then
			echo "minio_start: MinIO exited on start-up; its log:" >&2
		else
			echo "minio_start: MinIO did not answer on $MINIO_ENDPOINT within 30 s; its log:" >&2
		fi
		sed 's/^/    /' "$MINIO_DIR/minio.log" >&2 || true
		minio_stop
		return 1
	done
}

# minio_stop stops the server started by minio_start and removes its
# directory. It is safe to call more than once, or when nothing was started.
minio_stop() {
	local i
	if [[ -n ${MINIO_PID:-} ]]; then
		if kill -TERM "$MINIO_PID" 2>/dev/null; then
			for ((i = 0; i < 100; i++)); do
				kill -0 "$MINIO_PID" 2>/dev/null || break
				sleep 0.1
			done
			kill -KILL "$MINIO_PID" 2>/dev/null || true
		fi
		wait "$MINIO_PID" 2>/dev/null || true
		MINIO_PID=
	fi
	if [[ -n ${MINIO_DIR:-} ]]; then
		rm -rf -- "$MINIO_DIR"
		MINIO_DIR=
	fi
}

# _minio_bin prints where minio_install puts MinIO: the bin directory of the
# first GOPATH entry, as `go install` would with GOBIN unset.
_minio_bin() {
	local gopath
	gopath=$(go env GOPATH) || return 1
	printf '%s/bin/minio\n' "${gopath%%:*}"
}

# _minio_random prints 2*$1 random hexadecimal characters. od reads a fixed
# number of bytes, so no pipe is cut short (which pipefail would report).
_minio_random() {
	od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# _minio_free_port prints a local TCP port that nothing listens on and that
# differs from $1, if given.
_minio_free_port() {
	local p tries
	for ((tries = 0; tries < 100; tries++)); do
		p=$((20000 + RANDOM % 40000))
		if [[ $p == "${1:-}" ]]; then
			continue
		fi
		if ! (: <"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	echo "_minio_free_port: no free port found" >&2
	return 1
}

# _minio_wait waits up to $2 seconds for MinIO on port $1 to be live and to
# have its storage and users loaded (the cluster check), so the first test
# request is not refused as "server not initialized". It returns 0 when
# ready, 1 if MinIO exited, 2 on timeout.
_minio_wait() {
	local port=$1 deadline=$((SECONDS + $2))
	while ((SECONDS < deadline)); do
		if ! kill -0 "$MINIO_PID" 2>/dev/null; then
			return 1
		fi
		if command -v curl >/dev/null; then
			if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/minio/health/live" 2>/dev/null &&
				curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/minio/health/cluster" 2>/dev/null; then
				return 0
			fi
		elif (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.2
	done
	return 2
}
