# Sourced by ./cairn and ./run-tests. Defines cairn_find_jdk MIN: prints the home of a JDK whose
# feature version is at least MIN — $JAVA_HOME if it qualifies, else the newest one found in the
# usual install places — or returns 1.

cairn_jdk_version() {
  # The feature version (21, 25, ...) of the JDK at $1, or nothing.
  local home=$1 v=""
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 1
  if [ -r "$home/release" ]; then
    # Read by the shell itself: a command per JDK found costs every start a few milliseconds.
    local line
    while IFS= read -r line; do
      if [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]]; then
        v=${BASH_REMATCH[1]}
        break
      fi
    done <"$home/release"
  fi
  if [ -z "$v" ]; then
    v=$("$home/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
  fi
  [ -n "$v" ] && echo "$v"
}

cairn_find_jdk() {
  local min=$1 best="" best_v=0 c v
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(cairn_jdk_version "$JAVA_HOME") && [ "$v" -ge "$min" ] && { echo "$JAVA_HOME"; return 0; }
  fi
  for c in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/jdk* /usr/java/* \
           "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* \
           /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$c" ] || continue
    v=$(cairn_jdk_version "$c") || continue
    if [ "$v" -gt "$best_v" ]; then best=$c; best_v=$v; fi
  done
  if [ -z "$best" ] && command -v javac >/dev/null 2>&1; then
    c=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    v=$(cairn_jdk_version "$c") && { best=$c; best_v=$v; }
  fi
  [ -n "$best" ] && [ "$best_v" -ge "$min" ] || return 1
  echo "$best"
}
