"""Checks on the logistics reference data (sea areas, wave scale, vessel limits, profiles, deadlines); CSV only."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

REF = Path(__file__).resolve().parent.parent / 'data' / 'reference'

COLUMNS = {
    'sea_areas.csv': ['code', 'name', 'group', 'parent_code', 'aliases', 'source'],
    'wave_categories.csv': ['code', 'order', 'name_id', 'name_en', 'min_m', 'max_m', 'source'],
    'vessel_limits.csv': ['code', 'order', 'name_id', 'name_en', 'max_wave_m', 'max_wind_knot', 'source', 'note'],
    'logistics_defaults.csv': [
        'geography', 'order', 'name_id', 'name_en', 'transport', 'lead_days', 'buffer_days', 'source', 'note',
    ],
    'logistics_profiles.csv': [
        'region_code', 'geography', 'transport', 'lead_days', 'sea_areas', 'source', 'estimate', 'note',
    ],
    'logistics_items.csv': ['code', 'order', 'name_id', 'name_en'],
    'logistics_checkpoints.csv': ['code', 'order', 'name_id', 'name_en'],
    'logistics_deadlines.csv': ['election_code', 'checkpoint_code', 'stage_code', 'anchor', 'offset_days', 'source'],
}
KEYS = {
    'sea_areas.csv': ['code'],
    'wave_categories.csv': ['code'],
    'vessel_limits.csv': ['code'],
    'logistics_defaults.csv': ['geography'],
    'logistics_profiles.csv': ['region_code'],
    'logistics_items.csv': ['code'],
    'logistics_checkpoints.csv': ['code'],
    'logistics_deadlines.csv': ['election_code', 'checkpoint_code'],
}
GEOGRAPHIES = ['daratan', 'kepulauan', 'pegunungan']
TRANSPORTS = ['darat', 'perahu', 'kapal_motor', 'tongkang', 'feri', 'kapal_besar', 'udara']
SLUG = r'[a-z0-9]+(?:-[a-z0-9]+)*'
URL = re.compile(r'https?://\S+')


def read(name: str) -> pd.DataFrame:
    # Everything as text, as the app reads it: region codes such as "73.10" must not become floats.
    return pd.read_csv(REF / name, dtype=str, keep_default_na=False, encoding='utf-8')


def split(cell: str) -> list[str]:
    return [part for part in cell.split(';') if part]


def positive_int(value: str) -> bool:
    return value.isdigit() and int(value) > 0


@pytest.fixture(scope='module')
def seas() -> pd.DataFrame:
    return read('sea_areas.csv').set_index('code', drop=False)


@pytest.fixture(scope='module')
def profiles() -> pd.DataFrame:
    return read('logistics_profiles.csv')


@pytest.fixture(scope='module')
def defaults() -> pd.DataFrame:
    return read('logistics_defaults.csv').set_index('geography', drop=False)


@pytest.fixture(scope='module')
def vessels() -> pd.DataFrame:
    return read('vessel_limits.csv').set_index('code', drop=False)


# --- every file ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize('name', sorted(COLUMNS))
def test_file_is_plain_utf8_csv(name: str) -> None:
    raw = (REF / name).read_bytes()
    assert not raw.startswith(b'\xef\xbb\xbf'), 'no BOM'
    assert b'\r' not in raw, 'LF line endings only'
    raw.decode('utf-8')
    assert list(read(name).columns) == COLUMNS[name]


@pytest.mark.parametrize('name', sorted(COLUMNS))
def test_keys_unique_and_cells_clean(name: str) -> None:
    df = read(name)
    assert len(df) > 0
    keys = df[KEYS[name]]
    assert not keys.duplicated().any(), keys[keys.duplicated()]
    assert (keys != '').all().all()
    for col in df.columns:
        assert (df[col] == df[col].str.strip()).all(), f'{name}.{col} has leading/trailing spaces'


@pytest.mark.parametrize(
    'name',
    ['wave_categories.csv', 'vessel_limits.csv', 'logistics_defaults.csv', 'logistics_items.csv',
     'logistics_checkpoints.csv'],
)
def test_order_unique_positive_int(name: str) -> None:
    order = read(name)['order']
    assert order.map(positive_int).all()
    assert order.astype(int).is_unique


@pytest.mark.parametrize(
    'name', ['wave_categories.csv', 'vessel_limits.csv', 'logistics_items.csv', 'logistics_checkpoints.csv'],
)
def test_codes_are_named(name: str) -> None:
    df = read(name)
    assert (df['name_id'] != '').all()
    assert (df['name_en'] != '').all()


# --- sea areas -------------------------------------------------------------------------------------------------


def test_sea_area_codes_are_slugs_and_names_unique(seas: pd.DataFrame) -> None:
    assert seas['code'].str.fullmatch(SLUG).all()
    assert (seas['name'] != '').all()
    assert (seas['group'] != '').all()
    names = seas['name'].str.lower()
    assert names.is_unique, seas.loc[names.duplicated(keep=False), 'name']
    assert len(seas) >= 100


def test_sea_area_aliases_do_not_collide(seas: pd.DataFrame) -> None:
    # An alias names one area only, so a warning text resolves to a single code.
    seen = {name.lower(): code for code, name in zip(seas['code'], seas['name'])}
    for code, aliases in zip(seas['code'], seas['aliases']):
        for alias in split(aliases):
            assert alias.lower() not in seen, (code, alias, seen.get(alias.lower()))
            seen[alias.lower()] = code


def test_sea_area_parents_exist_without_cycles(seas: pd.DataFrame) -> None:
    parents = dict(zip(seas['code'], seas['parent_code']))
    for code in seas['code']:
        chain, current = [code], parents[code]
        while current:
            assert current in parents, (code, current)
            assert current not in chain, chain
            chain.append(current)
            current = parents[current]


def test_sea_area_sources_are_urls(seas: pd.DataFrame) -> None:
    assert seas['source'].str.fullmatch(URL).all()


@pytest.mark.parametrize(
    'code,name',
    [
        ('perairan-spermonde-pangkep', 'Perairan Spermonde Pangkep'),
        ('selat-makassar-bagian-selatan', 'Selat Makassar bagian selatan'),
        ('laut-flores', 'Laut Flores'),
        ('perairan-kepulauan-selayar', 'Perairan Kepulauan Selayar'),
        ('laut-natuna-utara', 'Laut Natuna Utara'),
        ('perairan-kepulauan-anambas', 'Perairan Kepulauan Anambas'),
        ('laut-banda', 'Laut Banda'),
        ('samudra-hindia-barat-kepulauan-mentawai', 'Samudra Hindia barat Kepulauan Mentawai'),
    ],
)
def test_sea_areas_named_in_the_issue(seas: pd.DataFrame, code: str, name: str) -> None:
    assert seas.loc[code, 'name'] == name


# --- wave scale and vessel limits ------------------------------------------------------------------------------


def test_wave_scale_is_contiguous_from_zero() -> None:
    scale = read('wave_categories.csv').sort_values('order', key=lambda s: s.astype(int))
    assert list(scale['code']) == ['tenang', 'rendah', 'sedang', 'tinggi', 'sangat-tinggi', 'ekstrem', 'sangat-ekstrem']
    low = scale['min_m'].astype(float).tolist()
    high = scale['max_m'].tolist()
    assert low[0] == 0
    assert high[-1] == '', 'the top category is open-ended'
    for i in range(len(low) - 1):
        assert float(high[i]) > low[i]
        assert float(high[i]) == low[i + 1], scale.iloc[i]['code']
    assert dict(zip(scale['code'], low))['sedang'] == 1.25
    assert (scale['source'] != '').all()


def test_vessel_limits(vessels: pd.DataFrame) -> None:
    assert list(vessels['code']) == TRANSPORTS
    limited = vessels[vessels['max_wave_m'] != '']
    assert set(vessels.index) - set(limited.index) == {'darat', 'udara'}
    assert limited['max_wave_m'].astype(float).to_dict() == {
        'perahu': 1.25, 'kapal_motor': 1.5, 'tongkang': 1.5, 'feri': 2.5, 'kapal_besar': 4.0,
    }
    assert (limited['max_wind_knot'].map(positive_int)).all()
    assert (limited['source'] != '').all()


def test_bmkg_categories_threaten_the_right_vessels(vessels: pd.DataFrame) -> None:
    # A category threatens a vessel when its range reaches above the vessel's limit (max_m > max_wave_m).
    scale = read('wave_categories.csv').set_index('code')
    limits = vessels.loc[vessels['max_wave_m'] != '', 'max_wave_m'].astype(float)

    def threatened(category: str) -> set[str]:
        top = scale.loc[category, 'max_m']
        return {code for code, limit in limits.items() if top == '' or float(top) > limit}

    assert threatened('rendah') == set()
    assert threatened('sedang') == {'perahu', 'kapal_motor', 'tongkang'}
    assert threatened('tinggi') == {'perahu', 'kapal_motor', 'tongkang', 'feri'}
    assert threatened('sangat-tinggi') == set(limits.index)


# --- defaults and profiles -------------------------------------------------------------------------------------


def test_defaults(defaults: pd.DataFrame, vessels: pd.DataFrame) -> None:
    assert list(defaults.index) == GEOGRAPHIES
    assert defaults['transport'].isin(vessels.index).all()
    assert defaults['lead_days'].map(positive_int).all()
    assert defaults['buffer_days'].map(positive_int).all()
    assert (defaults['note'] != '').all()
    buffer = defaults['buffer_days'].astype(int)
    assert buffer['kepulauan'] > buffer['daratan'], 'sea crossings get the longer buffer'


def test_profile_regions_exist_as_regencies(profiles: pd.DataFrame) -> None:
    regions = read('regions.csv').set_index('code')
    missing = set(profiles['region_code']) - set(regions.index)
    assert not missing
    assert (regions.loc[profiles['region_code'], 'level'] == 'regency').all()


def test_profile_values_are_known(profiles: pd.DataFrame, seas: pd.DataFrame, vessels: pd.DataFrame) -> None:
    assert profiles['geography'].isin(GEOGRAPHIES).all()
    assert profiles['transport'].isin(vessels.index).all()
    assert profiles['lead_days'].map(positive_int).all(), profiles.loc[~profiles['lead_days'].map(positive_int)]
    assert profiles['estimate'].isin(['0', '1']).all()
    for region, cell in zip(profiles['region_code'], profiles['sea_areas']):
        areas = split(cell)
        assert set(areas) <= set(seas.index), (region, set(areas) - set(seas.index))
        assert len(areas) == len(set(areas)), region


def test_mainland_profiles_cross_no_sea(profiles: pd.DataFrame) -> None:
    mainland = profiles[profiles['geography'] == 'daratan']
    assert (mainland['sea_areas'] == '').all()


def test_wave_limited_transport_names_its_sea_areas(profiles: pd.DataFrame, vessels: pd.DataFrame) -> None:
    # A boat route without sea areas could never be matched to a warning; Mappi is rivers only, said in its note.
    boats = profiles[profiles['transport'].map(vessels['max_wave_m']) != '']
    no_sea = boats[boats['sea_areas'] == '']
    assert set(no_sea['region_code']) == {'93.03'}
    assert no_sea['note'].str.contains('sungai').all()


def test_profile_sources(profiles: pd.DataFrame) -> None:
    assert ((profiles['source'] != '') | (profiles['estimate'] == '1')).all()
    for cell in profiles['source']:
        for part in [p.strip() for p in cell.split(' ; ') if p.strip()]:
            assert URL.fullmatch(part), part
    assert (profiles['note'] != '').all()


def test_profile_coverage(profiles: pd.DataFrame) -> None:
    codes = set(profiles['region_code'])
    assert 80 <= len(profiles) <= 150
    maluku = {'81.01', '81.02', '81.03', '81.04', '81.05', '81.06', '81.07', '81.08', '81.09', '81.71', '81.72'}
    maluku_utara = {'82.01', '82.02', '82.03', '82.04', '82.05', '82.06', '82.07', '82.08', '82.71', '82.72'}
    kepri = {'21.01', '21.02', '21.03', '21.04', '21.05', '21.71', '21.72'}
    assert maluku | maluku_utara | kepri <= codes
    assert {'73.10', '73.01', '31.01', '71.03', '71.04', '71.09', '13.09', '96.03', '74.07'} <= codes


def test_pangkep_needs_a_week_more_than_the_mainland(profiles: pd.DataFrame, defaults: pd.DataFrame) -> None:
    pangkep = profiles.set_index('region_code').loc['73.10']
    assert pangkep['geography'] == 'kepulauan'
    assert int(pangkep['lead_days']) >= int(defaults.loc['daratan', 'lead_days']) + 7
    assert pangkep['estimate'] == '0'
    assert 'perairan-spermonde-pangkep' in split(pangkep['sea_areas'])


# --- items, checkpoints, deadlines -----------------------------------------------------------------------------


def test_items_and_checkpoints() -> None:
    assert list(read('logistics_items.csv')['code']) == [
        'surat-suara', 'kotak-suara', 'bilik-suara', 'tinta', 'formulir-sampul',
    ]
    assert list(read('logistics_checkpoints.csv')['code']) == [
        'gudang-kpu', 'sortir-lipat', 'dikirim-ppk', 'diterima-pps', 'tiba-tps',
    ]


def test_deadlines_point_at_stages() -> None:
    deadlines = read('logistics_deadlines.csv')
    stages = read('stages.csv').set_index(['election_code', 'code'])
    checkpoints = set(read('logistics_checkpoints.csv')['code'])
    elections = set(read('elections.csv')['code'])
    assert set(deadlines['election_code']) == elections
    assert deadlines['checkpoint_code'].isin(checkpoints).all()
    assert deadlines['anchor'].isin(['start_date', 'end_date']).all()
    assert (deadlines['source'] != '').all()
    due: dict[tuple[str, str], pd.Timestamp] = {}
    for _, row in deadlines.iterrows():
        stage = stages.loc[(row['election_code'], row['stage_code'])]
        date = pd.Timestamp(stage[row['anchor']]) + pd.Timedelta(days=int(row['offset_days']))
        assert pd.Timestamp(stage['start_date']) <= date <= pd.Timestamp(stage['end_date']), row.to_dict()
        due[(row['election_code'], row['checkpoint_code'])] = date
    for election in elections:
        assert due[(election, 'gudang-kpu')] < due[(election, 'tiba-tps')], election
    assert due[('pemilu-2024', 'gudang-kpu')] == pd.Timestamp('2024-01-15')
    assert due[('pemilu-2024', 'tiba-tps')] == pd.Timestamp('2024-02-13')
    assert due[('pilkada-2024', 'tiba-tps')] == pd.Timestamp('2024-11-26')
