# SPDX-License-Identifier: Apache-2.0
# Battery remanufacturing test-bench controller.
#   make            build bin/bench
#   make demo       install deps, build, run the simulated overnight test, grade
#   make check      install deps, build, run every test (unit, integration,
#                   seams, mutation check, real kernel in QEMU, crash loop,
#                   fuzz smoke)
#   make asan       the unit and integration tests under ASan+UBSan
#   make valgrind   the unit tests under valgrind memcheck
#   make bench      benchmarks (print figures, never fail on speed)
#   make fuzz       libFuzzer targets (FUZZ_SECONDS each, default 60)
#   make format     clang-format every source file
#   make check-format  fail when a file is not clang-formatted
#   make mutate     plant each bug of tools/mutate/mutations.txt in a copy
#                   of the tree and check that a test catches it
#   make test T=NAME   build and run one test binary (e.g. T=test_soa_checks)
#   make compile_commands.json  for clangd and clang-tidy
#   make clean

CC      ?= gcc
PKGS    := libsocketcan libserialport hdf5 inih libmosquitto libmicrohttpd
PKGS    += libmdb
PKGS    += libzip
BUILD   ?= build
SAN     ?=
OPT     ?= -O2 -g
CFLAGS  := $(OPT) -std=c11 -Wall -Wextra -Wshadow -Wmissing-prototypes -Werror \
           -Wstrict-prototypes -Wvla -Wundef -pedantic \
           -D_GNU_SOURCE -DBENCH_VERSION=\"0.1.0\" -MMD -MP -I. $(SAN)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
              -I/usr/include/hdf5/serial
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) \
              -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lhdf5_hl
LDLIBS  := $(PKG_LIBS) -lpthread -lm
LDFLAGS += $(SAN)

LIB_SRC := $(filter-out app/main.c,$(wildcard common/*.c can/*.c serial/*.c runfile/*.c bench/*.c \
           bench/*/*.c bench/*/*/*.c analysis/*.c import/*.c app/*.c app/*/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB     := $(BUILD)/libbench.a

TEST_SUPPORT := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/support/*.c))
TEST_SRC := $(wildcard tests/unit/test_*.c tests/integration/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

.PHONY: all deps demo check check-unit check-seams check-kernel check-crash \
        asan valgrind bench fuzz format check-format test mutate clean
all: bin/bench

deps:
	@tools/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

bin/bench: $(BUILD)/app/main.o $(LIB)
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/support/%.o: tests/support/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/support -c -o $@ $<

# One source per test binary, so its .d file lists the headers it includes.
$(BUILD)/tests/%: tests/%.c $(TEST_SUPPORT) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/support $(LDFLAGS) -o $@ $< \
		$(TEST_SUPPORT) $(LIB) $(LDLIBS) -lcriterion

check-unit: bin/bench $(TEST_BIN)
	@tools/run-tests.sh $(TEST_BIN)

check-seams:
	@tools/check-seams.sh

check-kernel: bin/bench
	@tools/qemu/check-kernel.sh

# Works on its own copy of the tree (build/mutate/tree), never on these files.
mutate:
	@tools/mutate/mutate.sh

check-crash: bin/bench
	@tools/crash/check-crash.sh

check: deps
	$(MAKE) check-format
	$(MAKE) all
	$(MAKE) check-seams
	$(MAKE) check-unit
	$(MAKE) mutate
	$(MAKE) check-crash
	$(MAKE) check-kernel
	$(MAKE) asan
	$(MAKE) valgrind
	FUZZ_SECONDS=20 $(MAKE) fuzz

demo: deps
	$(MAKE) all
	@tools/demo.sh

asan:
	$(MAKE) BUILD=build-asan CC=gcc \
		SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		check-unit-asan

check-unit-asan: $(TEST_BIN)
	@ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tools/lsan.supp tools/run-tests.sh $(TEST_BIN)

UNIT_BIN := $(filter $(BUILD)/tests/unit/%,$(TEST_BIN))
valgrind: $(UNIT_BIN)
	@tools/valgrind.sh $(UNIT_BIN)

bench: bin/bench
	@tools/bench.sh

fuzz:
	@tools/fuzz.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

check-format:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h') && \
		echo "format: ok"

# One test binary by name: make test T=test_soa_checks
test: bin/bench
	@[ -n "$(T)" ] || { echo "usage: make test T=test_NAME" >&2; exit 2; }
	@bin=$$(echo $(TEST_BIN) | tr " " "\n" | grep "/$(T)$$"); \
	[ -n "$$bin" ] || { echo "no test named '$(T)'" >&2; exit 2; }; \
	$(MAKE) --no-print-directory $$bin && $$bin

compile_commands.json: $(LIB_SRC) app/main.c
	@tools/compile-commands.sh "$(CC) $(CFLAGS) $(PKG_CFLAGS)" $^ > $@

clean:
	rm -rf build build-asan build-fuzz bin out

-include $(LIB_OBJ:.o=.d) $(BUILD)/app/main.d $(TEST_BIN:=.d) $(TEST_SUPPORT:.o=.d)
