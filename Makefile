# The two commands of the README. Both create .venv and install everything first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= demo/communique.db
PORT ?= 8001
REPLAY := tests/files/fmprc
REPLAY_ZH := tests/files/fmprc_zh
# The saved State Department briefings up to 2020: the 2021 ones include a page of a layout
# the parser does not know, kept for the crawler's tests, which a crawl rightly refuses.
STATE_REPLAY := tests/files/state
# The labelled sets' real statements and Q&A of fifteen-plus ministries, their words only.
LABELLED := tests/files/devset*/items.jsonl

.PHONY: install demo test clean

# torch is pinned on the command line too: the CPU wheel, never a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "torch==2.13.0" -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Crawl the saved China MFA pages, English and Chinese, and State Department pages through a
# local replay of the sites, import the other ministries' words from the labelled sets (labels
# left out; after the crawls, so that no page is counted twice), analyze (which also links each
# Chinese briefing to its English translation), then serve.
demo: install
	mkdir -p $(dir $(DB))
	$(BIN)/communique --db $(DB) crawl fmprc --replay $(REPLAY)
	$(BIN)/communique --db $(DB) crawl fmprc_zh --replay $(REPLAY_ZH)
	$(BIN)/communique --db $(DB) crawl state --replay $(STATE_REPLAY) --until 2020-12-31
	$(BIN)/python -m corpus.labelled_text --db $(DB) --output $(dir $(DB))labelled_text.jsonl $(LABELLED)
	$(BIN)/communique --db $(DB) import $(dir $(DB))labelled_text.jsonl
	$(BIN)/communique --db $(DB) analyze
	$(BIN)/communique --db $(DB) export trends --actor maduro --actor guaido --ministry fmprc \
		--since 2019-01-01 --until 2019-12-31 --by month --format csv \
		--output $(dir $(DB))maduro_guaido_2019.csv --plot $(dir $(DB))maduro_guaido_2019.png
	$(BIN)/communique --db $(DB) export compare --actor guaido --since 2019-01-20 --until 2019-03-31 \
		--format csv --output $(dir $(DB))compare_guaido_2019.csv
	$(BIN)/communique --db $(DB) stats
	$(BIN)/communique --db $(DB) serve --port $(PORT)

test: install
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) demo .pytest_cache
