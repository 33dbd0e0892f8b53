" rp pipeline files
autocmd BufNewFile,BufRead *.rp setfiletype rp
