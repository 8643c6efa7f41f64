# bash completion for kdive: commands, each command's options (from its --help), scenario
# files, kernel names for --kernel, formats for --format.
_kdive()
{
	local cur prev cmd i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "build run merge record bundle lstar debug tour serve dap doctor help -v -q --help --version" -- "$cur"))
		return
	fi
	case $prev in
	--kernel)
		COMPREPLY=($(compgen -W "6.1 6.12" -- "$cur") $(compgen -f -- "$cur"))
		return ;;
	--format)
		local formats
		# The command names its formats when given one it does not write.
		formats=$("${COMP_WORDS[0]}" "$cmd" --format '?' 2>&1 |
			sed -n 's/.*--format must be \(.*\), not .*/\1/p' | sed 's/ or /, /; s/,//g')
		COMPREPLY=($(compgen -W "${formats:-text json}" -- "$cur"))
		return ;;
	--vmlinux|--output|--config|--kernel-src)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--only)
		COMPREPLY=($(compgen -W "kernel initramfs" -- "$cur"))
		return ;;
	esac
	if [[ $cur == -* ]]; then
		local opts
		opts=$("${COMP_WORDS[0]}" "$cmd" --help 2>/dev/null |
			sed -n 's/^  \(-[a-zA-Z], \)\{0,1\}\(--[a-z-]*\).*/\2/p')
		COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
		return
	fi
	case $cmd in
	help)
		COMPREPLY=($(compgen -W "build run merge record bundle lstar debug tour serve dap doctor" -- "$cur")) ;;
	tour)
		COMPREPLY=($(compgen -W "fork" -- "$cur") $(compgen -f -X '!*.scn' -- "$cur") $(compgen -d -- "$cur")) ;;
	run)
		COMPREPLY=($(compgen -f -X '!*.scn' -- "$cur") $(compgen -f -X '!*.bundle' -- "$cur")
			$(compgen -d -- "$cur")) ;;
	merge)
		COMPREPLY=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur")) ;;
	record|bundle|debug)
		COMPREPLY=($(compgen -f -X '!*.scn' -- "$cur") $(compgen -d -- "$cur")) ;;
	esac
}
complete -F _kdive kdive
