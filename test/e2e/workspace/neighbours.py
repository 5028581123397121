# A cell to improve with "DELE: Try better neighbours" (the light bulb on the cell).
cell = "|avg_pool_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|avg_pool_3x3~0|skip_connect~1|skip_connect~2|"
