#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench import: rows/s and peak memory per format, at two sizes (peak
# memory must not grow with the file), beside pandas.read_csv on the same
# text file: the parse cellpy and beep build on for these formats
# (docs/importers.md, "Speed and memory"). Figures only; never fails on
# speed. IMPORT_BENCH_ROWS sets the large size (default 1000000).
# BENCH_PYREADERS (a PYTHONPATH: directories holding the real readers'
# galvani/ and NewareNDA/ packages) adds those readers on the same files.
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

# reader_code FORMAT: Python that reads sys.argv[1] with the real reader
# of FORMAT and prints its row count last; nothing when there is none
reader_code() {
	case $1 in
	biologic_mpr) echo "import sys; from galvani import BioLogic; \
print(len(BioLogic.MPRfile(sys.argv[1]).data))" ;;
	neware_nda | neware_ndax) echo "import sys, NewareNDA; \
print(len(NewareNDA.read(sys.argv[1])))" ;;
	arbin_res) echo "import sys, galvani.res2sqlite as r; \
db = r.convert_arbin_to_sqlite(sys.argv[1]); \
print(db.execute('select count(*) from Channel_Normal_Table').fetchone()[0])" ;;
	esac
}

# reader FORMAT FILE OUR_S OUR_KB OUR_ROWS: the real reader's figures on
# FILE, its one-line error, or why there are none
reader() {
	code=$(reader_code "$1")
	if [ -z "$code" ]; then
		echo "| no real reader here"
		return
	fi
	if [ -z "${BENCH_PYREADERS-}" ]; then
		echo "| real reader: set BENCH_PYREADERS"
		return
	fi
	measure reader env PYTHONPATH="$BENCH_PYREADERS" $py -c "$code" "$2" \
		2>/dev/null || {
		echo "| reader failed: $(tail -n 1 "$out/reader.err")"
		return
	}
	n=$(tail -n 1 "$out/reader.out")
	read -r rs rk <"$out/reader.time"
	awk -v s="$3" -v k="$4" -v r="$5" -v n="$n" -v rs="$rs" -v rk="$rk" \
		'BEGIN { printf "| %8s %8.2f %9.1f %7.1fx %7.3f%s",
			n, rs, rk / 1024, rs / (s > 0.005 ? s : 0.005), k / rk,
			n == r ? "" : "  ROWS DIFFER: ours " r }'
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
	read -r our_s our_kB <"$out/ours.time"
	mb=$(du -k "$f" | awk '{printf "%.1f", $1 / 1024}')
	case $fmt in
	*_mpr | *_nda | *_ndax | *_res) pd=$(printf '%-35s' "binary: no pandas baseline") ;;
	*)
		measure pandas $py -c "import pandas; \
print(len(pandas.read_csv('$f', $(pandas_args "$fmt"))))" || return 0
		read -r ps pk <"$out/pandas.time"
		pd=$(awk -v s="$our_s" -v k="$our_kB" -v ps="$ps" -v pk="$pk" \
			'BEGIN { printf "%8.2f %9.1f %7.1fx %7.3f",
				ps, pk / 1024, ps / (s > 0.005 ? s : 0.005), k / pk }')
		;;
	esac
	rd=$(reader "$fmt" "$f" "$our_s" "$our_kB" "$rows")
	awk -v f="$label" -v r="$rows" -v mb="$mb" -v s="$our_s" -v k="$our_kB" \
		-v pd="$pd" -v rd="$rd" 'BEGIN {
			printf "%-22s %8d %8.1f %7.2f %9.0f %7.1f  %s %s\n",
			f, r, mb, s, r / (s > 0.005 ? s : 0.005), k / 1024, pd, rd }'
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -1)"
/usr/bin/time -f '%M' -o "$out/import.time" $py -c 'import pandas'
echo "pandas $($py -c 'import pandas; print(pandas.__version__)'), \
'import pandas' alone: $(awk '{printf "%.1f", $1 / 1024}' "$out/import.time") MB peak"
if [ -n "${BENCH_PYREADERS-}" ]; then
	for m in galvani NewareNDA; do
		echo "$m: $(PYTHONPATH=$BENCH_PYREADERS $py -c "import $m, os; \
print(os.path.dirname($m.__file__), getattr($m, '__version__', '-'))" 2>&1 |
			tail -n 1)"
	done
else
	echo "real readers (galvani: .mpr, .res; NewareNDA: .nda, .ndax): not run;" \
		"set BENCH_PYREADERS to a PYTHONPATH holding their packages" \
		"(docs/importers.md, \"Speed and memory\")"
fi
printf '%-22s %8s %8s %7s %9s %7s  %8s %9s %8s %7s | %8s %8s %9s %8s %7s\n' \
	format rows "file MB" "our s" "our r/s" "our MB" "pandas s" "pandas MB" \
	speed memory "rd rows" "reader s" "reader MB" speed memory
for fmt in neware_csv neware_flat_csv arbin_csv biologic_txt maccor_txt \
	bdf_csv biologic_mpr neware_nda; do
	# the format's extension: NewareNDA goes by it
	big_f=$out/big.${fmt##*_}
	small_f=$out/small.${fmt##*_}
	python3 tools/bench.d/import_gen.py "$fmt" "$big" "$big_f"
	case $fmt in
	biologic_mpr | neware_nda)
		python3 tools/bench.d/import_gen.py "$fmt" "$small" "$small_f" ;;
	neware_csv) # cycle and step lines come with the records
		head -n "$((small + small / 80 + 3))" "$big_f" >"$small_f" ;;
	maccor_txt) head -n "$((small + 2))" "$big_f" >"$small_f" ;;
	biologic_txt) head -n "$((small + 18))" "$big_f" >"$small_f" ;;
	*) head -n "$((small + 1))" "$big_f" >"$small_f" ;;
	esac
	row "$fmt" "$small_f"
	row "$fmt" "$big_f"
	rm -f "$big_f" "$small_f"
done
echo "real files (committed, fixtures/import/real):"
for f in fixtures/import/real/*.mpr fixtures/import/real/*.nda \
	fixtures/import/real/*.ndax fixtures/import/real/*.res; do
	case $f in
	*.mpr) fmt=biologic_mpr ;;
	*.nda) fmt=neware_nda ;;
	*.ndax) fmt=neware_ndax ;;
	*) fmt=arbin_res ;;
	esac
	name=${f##*/}
	row "$fmt" "$f" "$(echo "${name%.*}" | cut -c1-22)"
done
echo "speed: baseline s / our s; memory: our peak / baseline peak" \
	"(goal >= 10x, <= 0.1); baseline: pandas.read_csv, then the real reader"
