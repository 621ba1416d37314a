#!/usr/bin/env bash
# The progress line on a real terminal: the farm runs in a detached tmux session (a private
# server on a socket in the test's directory, always killed), whose pane is captured while it runs and after. The live line
# (done, failed, running, rate, ETA) must appear, and at the end nothing of it may be left: the
# summary starts at the start of its line, and no progress text or escape sequence remains.
# Registered only where CMake found tmux (scripts/setup.sh installs Debian's tmux).
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
command -v tmux >/dev/null || { echo "FAIL: tmux is not installed (Debian package tmux; scripts/setup.sh installs it)" >&2; exit 1; }
total=$((ranks * 10))
for _ in $(seq 1 $total); do echo "sleep 0.3"; done >tasks.txt
tmx() { tmux -S "$work/tmux.sock" -f /dev/null "$@"; }
trap 'tmx kill-server >/dev/null 2>&1; rm -rf "$work"' EXIT
unset TMUX
printf -v cmd '%q ' "${farm[@]}" tasks.txt -o out
tmx new-session -d -x 120 -y 30 -c "$work" "$cmd; echo farm-exit=\$?; touch $work/ended; sleep 60"
check "tmux: session started" tmx has-session
live=""
for _ in $(seq 1 600); do  # up to 60 s; the farm takes about 2 s
  [[ -e ended ]] && break
  pane=$(tmx capture-pane -p 2>/dev/null)
  line=$(grep -E "^task_farm: [0-9]+/$total done, 0 failed, [0-9]+ running, [0-9.]+ tasks/s, ETA ([0-9]+:[0-9]{2}|\?) *$" <<<"$pane" | tail -1)
  [[ -n $line ]] && live=$line
  sleep 0.1
done
tmx capture-pane -p >pane.txt 2>&1
check "tmux: the farm ended" test -e ended
check "tmux: the live progress line appeared while it ran" test -n "$live"
echo "live line seen: $live"
check "tmux: exit 0" grep -qx 'farm-exit=0' pane.txt
check "tmux: the summary starts its own line" grep -q "^task_farm: $total tasks: $total succeeded" pane.txt
check "tmux: no progress text left" test "$(grep -c 'tasks/s' pane.txt)" -eq 0
check "tmux: no escape sequence left" test "$(grep -c -P '\x1b|\[K|\r' pane.txt)" -eq 0
check "tmux: nothing before the summary on its line" test "$(grep -c "task_farm: $total tasks:" pane.txt)" -eq 1
finish
