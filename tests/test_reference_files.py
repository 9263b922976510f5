"""Checks on the committed reference data in data/reference/ (CSV only, no database)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
REF = ROOT / 'data' / 'reference'

SUPPORTS = {'logistik', 'nphd', 'keamanan', 'sarana', 'data_penduduk', 'netralitas_asn'}
JAKARTA_UNITS = ['31.01', '31.71', '31.72', '31.73', '31.74', '31.75']

COLUMNS = {
    'regions.csv': ['code', 'name', 'level', 'kind', 'parent_code', 'pilkada_2024'],
    'elections.csv': ['code', 'order', 'name_id', 'name_en', 'regulation', 'voting_date', 'participants', 'has_nphd'],
    'stages.csv': [
        'election_code', 'code', 'order', 'name_id', 'name_en', 'start_date', 'end_date', 'weight', 'supports',
        'source',
    ],
    'obstacle_categories.csv': ['code', 'order', 'name_id', 'name_en'],
    'severities.csv': ['code', 'rank', 'name_id', 'name_en', 'weight'],
    'counterparties.csv': ['code', 'order', 'name', 'name_long'],
    'document_requirements.csv': ['code', 'order', 'name_id', 'name_en', 'election_code', 'counterparty_code'],
}


def read(name: str) -> pd.DataFrame:
    # Everything as text: codes like "11.10" must not become floats.
    return pd.read_csv(REF / name, dtype=str, keep_default_na=False, encoding='utf-8')


@pytest.fixture(scope='module')
def regions() -> pd.DataFrame:
    return read('regions.csv').set_index('code', drop=False)


@pytest.fixture(scope='module')
def elections() -> pd.DataFrame:
    return read('elections.csv')


@pytest.fixture(scope='module')
def stages() -> pd.DataFrame:
    return read('stages.csv')


# --- every table ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize('name', sorted(COLUMNS))
def test_columns(name: str) -> None:
    assert list(read(name).columns) == COLUMNS[name]


@pytest.mark.parametrize('name', sorted(COLUMNS))
def test_no_stray_whitespace(name: str) -> None:
    df = read(name)
    for col in df.columns:
        assert (df[col] == df[col].str.strip()).all(), f'{name}.{col} has leading/trailing spaces'


@pytest.mark.parametrize('name', sorted(set(COLUMNS) - {'stages.csv'}))
def test_codes_unique(name: str) -> None:
    codes = read(name)['code']
    assert codes.is_unique
    assert (codes != '').all()


@pytest.mark.parametrize(
    'name,col',
    [
        ('elections.csv', 'order'),
        ('obstacle_categories.csv', 'order'),
        ('severities.csv', 'rank'),
        ('counterparties.csv', 'order'),
        ('document_requirements.csv', 'order'),
    ],
)
def test_order_unique_positive_int(name: str, col: str) -> None:
    values = read(name)[col].astype(int)
    assert values.is_unique
    assert (values > 0).all()


# --- regions ---------------------------------------------------------------------------------------------------


def test_region_counts(regions: pd.DataFrame) -> None:
    assert (regions['level'] == 'nation').sum() == 1
    assert (regions['level'] == 'province').sum() == 38
    assert (regions['level'] == 'regency').sum() == 514
    assert len(regions) == 1 + 38 + 514
    reg = regions[regions['level'] == 'regency']
    assert (reg['kind'] == 'kabupaten').sum() == 416
    assert (reg['kind'] == 'kota').sum() == 98


def test_region_nation_row_first(regions: pd.DataFrame) -> None:
    first = regions.iloc[0]
    assert list(first) == ['ID', 'Indonesia', 'nation', 'nasional', '', '1']


def test_region_sorted_by_code(regions: pd.DataFrame) -> None:
    rest = list(regions['code'].iloc[1:])
    assert rest == sorted(rest)


def test_region_codes_unique(regions: pd.DataFrame) -> None:
    assert regions['code'].is_unique


def test_region_levels_and_kinds(regions: pd.DataFrame) -> None:
    prov = regions[regions['level'] == 'province']
    assert (prov['kind'] == 'provinsi').all()
    assert (prov['parent_code'] == 'ID').all()
    assert prov['code'].str.fullmatch(r'\d{2}').all()
    reg = regions[regions['level'] == 'regency']
    assert reg['kind'].isin(['kabupaten', 'kota']).all()
    assert reg['code'].str.fullmatch(r'\d{2}\.\d{2}').all()
    assert set(regions['level']) == {'nation', 'province', 'regency'}


def test_regency_parents(regions: pd.DataFrame) -> None:
    provinces = set(regions.loc[regions['level'] == 'province', 'code'])
    reg = regions[regions['level'] == 'regency']
    assert reg['parent_code'].isin(provinces).all()
    for code, parent in zip(reg['code'], reg['parent_code']):
        assert code.startswith(parent + '.'), code


def test_regency_names_have_prefix(regions: pd.DataFrame) -> None:
    reg = regions[regions['level'] == 'regency']
    kab = reg[reg['kind'] == 'kabupaten']
    kota = reg[reg['kind'] == 'kota']
    assert kab['name'].str.startswith('Kabupaten ').all()
    assert kota['name'].str.startswith('Kota ').all()
    # No abbreviations or shouting left from the source.
    assert not regions['name'].str.contains(r'\b(?:Kab|Kep|Adm)\.', regex=True).any()
    assert not regions['name'].str.contains(r'\b[A-Z]{4,}\b', regex=True).any()
    assert not regions['name'].str.contains(r' Dan ', regex=False).any()


@pytest.mark.parametrize(
    'code,name,kind',
    [
        ('73.10', 'Kabupaten Pangkajene dan Kepulauan', 'kabupaten'),
        ('31.01', 'Kabupaten Administrasi Kepulauan Seribu', 'kabupaten'),
        ('31.71', 'Kota Administrasi Jakarta Pusat', 'kota'),
        ('73.71', 'Kota Makassar', 'kota'),
        ('12.12', 'Kabupaten Toba', 'kabupaten'),
        ('12.72', 'Kota Pematangsiantar', 'kota'),
        ('71.09', 'Kabupaten Kepulauan Siau Tagulandang Biaro', 'kabupaten'),
        ('94', 'Papua Tengah', 'provinsi'),
        ('73', 'Sulawesi Selatan', 'provinsi'),
        ('11', 'Aceh', 'provinsi'),
        ('31', 'DKI Jakarta', 'provinsi'),
        ('34', 'DI Yogyakarta', 'provinsi'),
        ('19', 'Kepulauan Bangka Belitung', 'provinsi'),
        ('96', 'Papua Barat Daya', 'provinsi'),
    ],
)
def test_region_spot_checks(regions: pd.DataFrame, code: str, name: str, kind: str) -> None:
    assert regions.loc[code, 'name'] == name
    assert regions.loc[code, 'kind'] == kind


def test_new_papua_provinces(regions: pd.DataFrame) -> None:
    for code in ['93', '94', '95', '96']:
        assert regions.loc[code, 'level'] == 'province'
        assert (regions['parent_code'] == code).any()


def test_pilkada_2024_flags(regions: pd.DataFrame) -> None:
    assert regions['pilkada_2024'].isin(['0', '1']).all()
    flag = regions['pilkada_2024'] == '1'
    assert regions.loc['ID', 'pilkada_2024'] == '1'
    assert (flag & (regions['level'] == 'province')).sum() == 37
    assert (flag & (regions['level'] == 'regency')).sum() == 508
    assert regions.loc['34', 'pilkada_2024'] == '0'
    for code in JAKARTA_UNITS:
        assert regions.loc[code, 'pilkada_2024'] == '0', code
    assert regions.loc['31', 'pilkada_2024'] == '1'
    not_held = set(regions.loc[~flag, 'code'])
    assert not_held == {'34', *JAKARTA_UNITS}


def test_build_regions_reproduces_file(tmp_path: Path) -> None:
    pytest.importorskip('lokal')
    out = tmp_path / 'regions.csv'
    subprocess.run(
        [sys.executable, str(ROOT / 'scripts' / 'build_regions.py'), '--out', str(out)],
        check=True,
        cwd=tmp_path,
        capture_output=True,
    )
    assert out.read_bytes() == (REF / 'regions.csv').read_bytes()


# --- elections and stages -------------------------------------------------------------------------------------


def test_elections(elections: pd.DataFrame, regions: pd.DataFrame) -> None:
    e = elections.set_index('code')
    assert list(e.index) == ['pemilu-2024', 'pilkada-2024']
    assert e.loc['pemilu-2024', 'voting_date'] == '2024-02-14'
    assert e.loc['pilkada-2024', 'voting_date'] == '2024-11-27'
    assert e.loc['pemilu-2024', 'has_nphd'] == '0'
    assert e.loc['pilkada-2024', 'has_nphd'] == '1'
    for participants in e['participants']:
        assert participants == 'all' or participants in regions.columns
    pd.to_datetime(e['voting_date'], format='%Y-%m-%d')


def test_stage_dates(stages: pd.DataFrame) -> None:
    start = pd.to_datetime(stages['start_date'], format='%Y-%m-%d')
    end = pd.to_datetime(stages['end_date'], format='%Y-%m-%d')
    assert (start <= end).all(), stages.loc[start > end, ['election_code', 'code']]


def test_stage_codes_unique_per_election(stages: pd.DataFrame) -> None:
    assert not stages.duplicated(['election_code', 'code']).any()
    assert not stages.duplicated(['election_code', 'order']).any()
    assert stages['code'].str.fullmatch(r'[a-z0-9]+(?:-[a-z0-9]+)*').all()
    assert (stages['order'].astype(int) > 0).all()


def test_stage_elections_exist(stages: pd.DataFrame, elections: pd.DataFrame) -> None:
    assert stages['election_code'].isin(elections['code']).all()
    assert set(elections['code']) <= set(stages['election_code'])


def test_stage_weights_positive(stages: pd.DataFrame) -> None:
    assert (stages['weight'].astype(float) > 0).all()


def test_stage_supports(stages: pd.DataFrame, elections: pd.DataFrame) -> None:
    has_nphd = dict(zip(elections['code'], elections['has_nphd']))
    for _, row in stages.iterrows():
        values = [v for v in row['supports'].split(';') if v]
        assert len(values) == len(set(values)), row['code']
        assert set(values) <= SUPPORTS, (row['election_code'], row['code'], values)
        if 'nphd' in values:
            assert has_nphd[row['election_code']] == '1', row['code']


def test_stage_sources_present(stages: pd.DataFrame) -> None:
    assert (stages['source'] != '').all()
    assert (stages['name_id'] != '').all()
    assert (stages['name_en'] != '').all()


def test_voting_stages_match_elections(stages: pd.DataFrame, elections: pd.DataFrame) -> None:
    voting = stages[stages['code'] == 'pemungutan-suara'].set_index('election_code')
    assert voting.loc['pemilu-2024', 'start_date'] == voting.loc['pemilu-2024', 'end_date'] == '2024-02-14'
    assert voting.loc['pilkada-2024', 'start_date'] == voting.loc['pilkada-2024', 'end_date'] == '2024-11-27'
    for _, e in elections.iterrows():
        assert voting.loc[e['code'], 'start_date'] == e['voting_date']


# --- small code tables -----------------------------------------------------------------------------------------


def test_obstacle_categories() -> None:
    codes = list(read('obstacle_categories.csv')['code'])
    assert codes == [
        'logistik', 'penyelenggara', 'tahapan', 'data-pemilih', 'anggaran', 'sarpras', 'keamanan',
        'netralitas-asn', 'alam', 'lainnya',
    ]


def test_severities() -> None:
    s = read('severities.csv')
    assert list(s['code']) == ['rendah', 'sedang', 'tinggi', 'kritis']
    assert list(s['rank'].astype(int)) == [1, 2, 3, 4]
    assert list(s['weight'].astype(float)) == [5, 10, 20, 35]


def test_counterparties() -> None:
    c = read('counterparties.csv')
    assert list(c['code']) == ['KPU', 'BAWASLU', 'TNI', 'POLRI']
    assert (c['name_long'] != '').all()


def test_document_requirements(elections: pd.DataFrame) -> None:
    d = read('document_requirements.csv')
    counterparties = set(read('counterparties.csv')['code'])
    assert d['election_code'].isin(set(elections['code']) | {''}).all()
    assert d['counterparty_code'].isin(counterparties | {''}).all()
    nphd = d[d['code'].str.startswith('nphd-')]
    assert set(nphd['counterparty_code']) == counterparties
    assert (nphd['election_code'] == 'pilkada-2024').all()
    assert {'sk-tim-pemantauan', 'sk-operator', 'laporan-berkala'} <= set(d['code'])
