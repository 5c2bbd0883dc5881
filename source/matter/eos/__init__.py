"""The equations of state: the kinds the kernels compile (``eos``), the cold curves
(``piecewise_polytrope``, ``tabulated``) and the catalogue of fits (``eos_catalogue``)."""
