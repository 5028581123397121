# Never opened by the tests: the DELE side bar finds this cell on disk.
SHORTLIST = {
    "wide": "|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|nor_conv_3x3~0|skip_connect~1|nor_conv_3x3~2|",
}
