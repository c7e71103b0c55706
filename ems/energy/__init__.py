"""Building energy: electricity (location- and market-based), fuels and district heat per site."""
