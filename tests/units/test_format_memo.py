"""`format_quantity` remembers its texts (a batch formats the same caps on every line): the memory may
never change a text (issue 16, "the cache can never change a result")."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mesocalc import units as u

_dims = st.sampled_from([u.MASS, u.VOLUME, u.AREA, u.LENGTH, u.DIMENSIONLESS, u.BODY_MASS,
                         u.dims_div(u.MASS, u.VOLUME), u.dims_div(u.MASS, u.AREA), u.dims_div(u.MASS, u.BODY_MASS),
                         u.PARTICLES, u.ACTIVITY])


@settings(max_examples=500, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=False) | st.integers(-10**6, 10**6), _dims,
       st.sampled_from([3, 6, 9, 12]))
def test_a_remembered_text_is_the_text_formatted_afresh(value, dims, digits):
    # (infinity is left out: an infinite particle count raises OverflowError in the formatting itself,
    # with or without the memory; it is never remembered)
    q = u.Q(value, dims)
    first, again = u.format_quantity(q, digits), u.format_quantity(q, digits)
    assert first == again == u._format_quantity(q, digits)


def test_values_that_compare_equal_but_print_differently_are_never_confused():
    # 0.0 == -0.0 and 2 == 2.0 as dictionary keys; each keeps its own text
    for a, b in [(u.Q(0.0, u.MASS), u.Q(-0.0, u.MASS)), (u.Q(25.0, u.AREA), u.Q(25, u.AREA)),
                 (u.Q(25.0, u.AREA), u.Q(25.0, (0, 2.0, 0, 0, 0, 0)))]:  # a float power prints as it is
        for q in (a, b, a, b):
            assert u.format_quantity(q) == u._format_quantity(q, 3)
    assert {u.Q(0.0, u.MASS): 1, u.Q(-0.0, u.MASS): 2} == {u.Q(0.0, u.MASS): 2}  # they are one key indeed
