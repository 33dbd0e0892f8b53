" Vim syntax file
" Language: rp pipelines (doc/language.md)
if exists('b:current_syntax')
  finish
endif
let s:cpo_save = &cpo
set cpo&vim

syn keyword rpConditional if else
syn keyword rpRepeat for in
syn keyword rpStatement return fail let output post sh
syn keyword rpDeclaration pipeline import as fn stage environment on nextgroup=rpName skipwhite
syn keyword rpAttribute needs when version timeout retry matrix sequential after approval success failure always
syn keyword rpAttribute container services runs_on cache artifact signers concurrency
syn keyword rpEvent push pull_request tag manual schedule local contained
syn match rpTrigger "^\s*on\s\+\(push\|pull_request\|tag\|manual\|schedule\|local\)\>" contains=rpDeclaration,rpEvent
syn keyword rpBoolean true false
syn keyword rpConstant null
syn match rpName "\<[A-Za-z_][A-Za-z0-9_]*\>" contained
syn match rpDuration "\<\(\d\+\(ms\|s\|m\|h\|d\)\)\+\>"
syn match rpNumber "\<\d[0-9_]*\(\.\d\+\([eE][-+]\=\d*\)\=\)\=\>"
syn match rpOperator "->\|=>\|==\|!=\|=\~\|!\~\|<=\|>=\|??\|&&\|||\|[-+*/%<>=!?:]"
syn match rpComment "#.*$" contains=rpTodo,@Spell
syn keyword rpTodo TODO FIXME XXX contained
syn match rpEscape "\\[nt\"\\$]" contained
syn region rpInterpolation matchgroup=rpDelimiter start="\${" end="}" contained contains=TOP
syn region rpString start=+"+ skip=+\\\\\|\\"+ end=+"+ oneline contains=rpEscape,rpInterpolation
syn region rpTripleString start=+"""+ end=+"""+ contains=rpEscape,rpInterpolation
syn region rpRegex start=+\<re"+ skip=+\\\\\|\\"+ end=+"+ oneline
syn region rpBlock start="{" end="}" transparent fold contains=TOP

hi def link rpConditional Conditional
hi def link rpRepeat Repeat
hi def link rpStatement Statement
hi def link rpDeclaration Keyword
hi def link rpAttribute Type
hi def link rpEvent Constant
hi def link rpBoolean Boolean
hi def link rpConstant Constant
hi def link rpName Function
hi def link rpDuration Number
hi def link rpNumber Number
hi def link rpOperator Operator
hi def link rpComment Comment
hi def link rpTodo Todo
hi def link rpEscape SpecialChar
hi def link rpDelimiter Delimiter
hi def link rpString String
hi def link rpTripleString String
hi def link rpRegex String

let b:current_syntax = 'rp'
let &cpo = s:cpo_save
unlet s:cpo_save
