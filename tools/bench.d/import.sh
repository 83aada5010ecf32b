#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench import: rows/s and peak memory per format, at two sizes (peak
# memory must not grow with the file), beside pandas.read_csv on the same
# text file: the parse every Python reader of these formats builds on
# (docs/importers.md, "Speed and memory"). Figures only; never fails on
# speed. IMPORT_BENCH_ROWS sets the large size (default 1000000).
set -e
cd "$(dirname "$0")/../.."
tools/deps.sh --bench
# Debian's python3-pandas is for Debian's interpreter, whatever is on PATH
py=/usr/bin/python3
$py -c 'import pandas' || {
	echo "import bench: $py cannot import pandas (tools/deps.sh --bench)" >&2
	exit 1
}
big=${IMPORT_BENCH_ROWS:-1000000}
small=$((big / 10))
out=$(mktemp -d /tmp/importbench.XXXXXX)
trap 'rm -rf "$out"' EXIT INT TERM

# measure NAME CMD...: "seconds peak_kB" of CMD into $out/NAME.time
measure() {
	name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$out/$name.time" "$@" >"$out/$name.out" \
		2>"$out/$name.err" || {
		echo "import bench: $name failed:" >&2
		cat "$out/$name.err" >&2
		return 1
	}
}

# pandas_args FORMAT: read_csv arguments for the format's layout
pandas_args() {
	case $1 in
	maccor_txt) echo "sep='\\t', skiprows=1, index_col=False" ;;
	biologic_txt) echo "sep='\\t', skiprows=17, decimal=',', encoding='latin-1', index_col=False" ;;
	neware_csv) echo "skiprows=3, header=None, names=range(10), encoding='latin-1'" ;;
	*) echo "encoding='latin-1'" ;;
	esac
}

# row FORMAT FILE [LABEL]: import FILE, time pandas on it (text), print a
# line
row() {
	fmt=$1
	f=$2
	label=${3:-$1}
	rm -f "$out/run.h5"
	measure ours bin/bench import "$f" -o "$out/run.h5" || return 0
	rows=$(sed -n 's/.*, \([0-9]*\) rows,.*/\1/p' "$out/ours.out")
	set -- $(cat "$out/ours.time")
	our_s=$1
	our_kB=$2
	mb=$(du -k "$f" | awk '{printf "%.1f", $1 / 1024}')
	case $fmt in
	*_mpr | *_nda | *_ndax | *_res) pd="no Python reader available offline" ;;
	*)
		measure pandas $py -c "import pandas; \
print(len(pandas.read_csv('$f', $(pandas_args "$fmt"))))" || return 0
		set -- $(cat "$out/pandas.time")
		pd=$(awk -v s="$our_s" -v k="$our_kB" -v ps="$1" -v pk="$2" \
			'BEGIN { printf "%8.2f %9.1f %7.1fx %7.3f",
				ps, pk / 1024, ps / (s > 0.005 ? s : 0.005), k / pk }')
		;;
	esac
	awk -v f="$label" -v r="$rows" -v mb="$mb" -v s="$our_s" -v k="$our_kB" \
		-v pd="$pd" 'BEGIN { printf "%-22s %8d %8.1f %7.2f %9.0f %7.1f  %s\n",
			f, r, mb, s, r / (s > 0.005 ? s : 0.005), k / 1024, pd }'
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -1)"
/usr/bin/time -f '%M' -o "$out/import.time" $py -c 'import pandas'
echo "pandas $($py -c 'import pandas; print(pandas.__version__)'), \
'import pandas' alone: $(awk '{printf "%.1f", $1 / 1024}' "$out/import.time") MB peak"
printf '%-22s %8s %8s %7s %9s %7s  %8s %9s %8s %7s\n' format rows "file MB" \
	"our s" "our r/s" "our MB" "pandas s" "pandas MB" speed memory
for fmt in neware_csv neware_flat_csv arbin_csv biologic_txt maccor_txt \
	bdf_csv biologic_mpr neware_nda; do
	python3 tools/bench.d/import_gen.py "$fmt" "$big" "$out/big"
	case $fmt in
	biologic_mpr | neware_nda)
		python3 tools/bench.d/import_gen.py "$fmt" "$small" "$out/small" ;;
	neware_csv) # cycle and step lines come with the records
		head -n "$((small + small / 80 + 3))" "$out/big" >"$out/small" ;;
	maccor_txt) head -n "$((small + 2))" "$out/big" >"$out/small" ;;
	biologic_txt) head -n "$((small + 18))" "$out/big" >"$out/small" ;;
	*) head -n "$((small + 1))" "$out/big" >"$out/small" ;;
	esac
	row "$fmt" "$out/small"
	row "$fmt" "$out/big"
	rm -f "$out/big" "$out/small"
done
echo "real files (committed, fixtures/import/real):"
for f in fixtures/import/real/*.nda fixtures/import/real/*.ndax \
	fixtures/import/real/*.res; do
	case $f in
	*.nda) fmt=neware_nda ;;
	*.ndax) fmt=neware_ndax ;;
	*) fmt=arbin_res ;;
	esac
	name=${f##*/}
	row "$fmt" "$f" "$(echo "${name%.*}" | cut -c1-22)"
done
echo "speed: pandas s / our s; memory: our peak / pandas peak (goal >= 10x, <= 0.1)"
