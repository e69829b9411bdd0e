"""``venuewatch import``: other recorders' files, written in their documented formats.

Sources of the formats:

* cryptofeed raw data recorder — bmoscon/cryptofeed, ``cryptofeed/raw_data_collection.py``
  (``AsyncFileCallback.__call__``: ``f"{timestamp}: {data}"`` for a websocket message,
  ``f"{connect} <-> {timestamp}"`` on connect, ``f"{send} <- {timestamp}: {data}"`` for a sent
  message, ``f"{endpoint} -> {timestamp}: {data}"`` for a REST response, files
  ``{uuid}.{n}``) and ``cryptofeed/connection.py`` (connection ids ``{id}.ws.{k}`` and
  ``{id}.http.{k}``);
* tardis.dev raw data feeds — tardis-dev/tardis-node, ``src/replay.ts``: gzip, one message a
  line, a 28-character local timestamp (``2019-06-01T00:03:03.1238784Z``), a space, the
  exchange's message; an empty line marks a disconnect; Binance books carry generated
  ``<symbol>@depthSnapshot`` messages with the REST snapshot.

The frames inside are the venues' documented messages (Binance "Diff. Depth Stream" and
"Order Book" REST; OKX ``books`` with the "Calculate Checksum" example, recorded before
``seqId`` existed).
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import pytest

from adapters import capture
from adapters.importers import common, cryptofeed, tardis
from adapters.replay import Replayer

BINANCE_WS = "wss://stream.binance.com:9443/stream?streams=btcusdt@depth@100ms"
BINANCE_REST = "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000"


def binance_diff(first: int, last: int, bid: str) -> str:
    data = {
        "e": "depthUpdate",
        "E": 1672515782136,
        "s": "BTCUSDT",
        "U": first,
        "u": last,
        "b": [[bid, "10"]],
        "a": [["0.0026", "100"]],
    }
    return json.dumps({"stream": "btcusdt@depth@100ms", "data": data})


SUBSCRIBE = '{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms"],"id":1}'
HEADER = '{"Content-Type": "application/json"}'
REST_BODY = '{"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[["0.0026","100"]]}'


def crc(text: str) -> int:
    c = zlib.crc32(text.encode())
    return c - (1 << 32) if c & 0x80000000 else c


def okx_old(action: str, bids: list[list[str]], asks: list[list[str]], checksum: int) -> str:
    data = {"asks": asks, "bids": bids, "ts": "1597026383085", "checksum": checksum}
    return json.dumps(
        {"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": action, "data": [data]}
    )


OKX_BIDS = [["3366.1", "7", "0", "3"], ["3366", "6", "3", "4"]]
OKX_ASKS = [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"]]
OKX_SNAPSHOT = okx_old("snapshot", OKX_BIDS, OKX_ASKS, crc("3366.1:7:3366.8:9:3366:6:3368:8"))
OKX_UPDATE = okx_old(
    "update", [["3366.1", "5", "0", "2"]], [], crc("3366.1:5:3366.8:9:3366:6:3368:8")
)


def replay(path: Path) -> dict[str, Any]:
    r = Replayer()
    r.run(path)
    return r.report()


def test_cryptofeed_ws_and_http_files_merge_snapshots_by_receive_time(tmp_path: Path) -> None:
    ws = tmp_path / "BINANCE.ws.3.0"
    http = tmp_path / "BINANCE.http.4.0"
    ws.write_text(
        f"{BINANCE_WS} <-> 1700000000.5\n"
        f"{BINANCE_WS} <- 1700000000.6: {SUBSCRIBE}\n"
        f"1700000001.1: {binance_diff(157, 160, '0.0024')}\n"
        f"1700000001.3: {binance_diff(161, 165, '0.0023')}\n"
    )
    http.write_text(
        'configuration: {"l2_book": ["BTC-USDT"]}\n'
        f"{BINANCE_REST} -> 1700000001.2: {REST_BODY} header: {HEADER}\n"
        'https://api.binance.com/api/v3/exchangeInfo -> 1700000000.1: {"symbols": []}\n'
    )
    out = tmp_path / "c.ndjson.gz"
    summary = common.convert(lambda: cryptofeed.records([ws, http]), out)
    assert (summary.frames, summary.snapshots, summary.connects) == (2, 1, 1)
    assert summary.symbols == {"binance": ["BTCUSDT"]}
    lines = [line for _, line in capture.read(out)]
    assert [(ln.event, ln.ts) for ln in lines] == [
        ("connect", 1700000000_500000000),
        (None, 1700000001_100000000),
        ("snapshot", 1700000001_200000000),
        (None, 1700000001_300000000),
    ]
    assert lines[0].url == BINANCE_WS and lines[0].symbols == ["BTCUSDT"]
    assert lines[2].raw == REST_BODY  # the header suffix is not part of the body
    inst = replay(out)["venues"]["binance"]["instruments"]["BTCUSDT"]
    assert inst["synced_at_end"] and inst["gaps"] == 0 and inst["updates"] >= 1
    assert inst["best_bid"] == 0.0024


def test_cryptofeed_okx_frames_before_seqid_replay_with_checksums_verified(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "OKX.ws.1.0"
    ws.write_text(
        "wss://ws.okx.com:8443/ws/v5/public <-> 1700000000.0\n"
        f"1700000000.1: {OKX_SNAPSHOT}\n"
        f"1700000000.2: {OKX_UPDATE}\n"
    )
    out = tmp_path / "okx.ndjson.gz"
    common.convert(lambda: cryptofeed.records([ws]), out)
    inst = replay(out)["venues"]["okx"]["instruments"]["BTC-USDT"]
    assert (inst["checksum_ok"], inst["checksum_failures"], inst["parse_errors"]) == (2, 0, 0)


def test_tardis_raw_lines_with_generated_snapshot_and_a_disconnect(tmp_path: Path) -> None:
    path = tmp_path / "binance_2023-01-01.json.gz"
    snapshot = json.dumps(
        {"stream": "btcusdt@depthSnapshot", "generated": True, "data": json.loads(REST_BODY)}
    )
    with gzip.open(path, "wt") as f:
        f.write(f"2023-01-01T00:00:00.1000000Z {binance_diff(157, 160, '0.0024')}\n")
        f.write(f"2023-01-01T00:00:00.2000000Z {snapshot}\n")
        f.write(f"2023-01-01T00:00:00.3000000Z {binance_diff(161, 165, '0.0023')}\n")
        f.write("\n")
        f.write(f"2023-01-01T00:00:05.0000001Z {binance_diff(170, 171, '0.0022')}\n")
    assert tardis.matches(path) and tardis.exchange_of(path) == "binance"
    out = tmp_path / "t.ndjson.gz"
    summary = common.convert(lambda: tardis.records(path, "binance"), out)
    assert (summary.frames, summary.snapshots, summary.connects) == (3, 1, 2)
    lines = [line for _, line in capture.read(out)]
    assert [ln.event for ln in lines] == [
        "connect",
        None,
        "snapshot",
        None,
        "disconnect",
        "connect",
        None,
    ]
    assert lines[-1].ts == 1672531205_000000100  # 100 ns precision kept
    assert json.loads(lines[2].raw or "") == json.loads(REST_BODY)
    report = replay(out)["venues"]["binance"]
    assert report["connects"] == 2 and report["instruments"]["BTCUSDT"]["updates"] >= 1


def test_tardis_okx_books_before_seqid(tmp_path: Path) -> None:
    path = tmp_path / "okex_books.json"
    path.write_text(
        f"2021-01-01T00:00:00.0000000Z {OKX_SNAPSHOT}\n2021-01-01T00:00:00.1000000Z {OKX_UPDATE}\n"
    )
    out = tmp_path / "o.ndjson.gz"
    common.convert(lambda: tardis.records(path, "okex"), out)
    inst = replay(out)["venues"]["okx"]["instruments"]["BTC-USDT"]
    assert (inst["checksum_ok"], inst["checksum_failures"]) == (2, 0)


def test_bad_inputs_name_the_file_and_line(tmp_path: Path) -> None:
    ws = tmp_path / "OKX.ws.1.0"
    ws.write_text("wss://ws.okx.com <-> 1700000000.0\nnot a line\n")
    with pytest.raises(common.ImportFailed, match=r"OKX\.ws\.1\.0: line 2: not a cryptofeed"):
        common.convert(lambda: cryptofeed.records([ws]), tmp_path / "x.gz")
    bad = tmp_path / "FTX.ws.1.0"
    bad.write_text("1.0: {}\n")
    with pytest.raises(common.ImportFailed, match="FTX has no venuewatch adapter"):
        list(cryptofeed.records([bad]))
    t = tmp_path / "okex.json"
    t.write_text("yesterday {}\n")
    with pytest.raises(common.ImportFailed, match=r"okex\.json: line 1: .* not a tardis"):
        list(tardis.records(t, "okex"))


def test_a_capture_without_connect_lines_is_an_error_naming_what_is_missing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bare.ndjson"
    path.write_text(
        json.dumps({"ts": 1, "venue": "okx", "conn": "okx-1", "raw": OKX_SNAPSHOT}) + "\n"
    )
    with pytest.raises(capture.CaptureError, match=r"bare\.ndjson: line 1: .*before any 'connect'"):
        Replayer().run(path)
