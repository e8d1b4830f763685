# Joblet bash kernel: reads NUL-terminated cells on fd $JOBLET_KERNEL_IN, runs each in this shell (variables, functions and the
# working directory persist), writes `ok|error LEN\n` + exit status on fd $JOBLET_KERNEL_OUT. SIGINT ends the running cell only.
__joblet_cell() { trap 'return 130' INT; eval "$__joblet_code"; }
trap '' INT
__joblet_in=$JOBLET_KERNEL_IN __joblet_out=$JOBLET_KERNEL_OUT
unset JOBLET_KERNEL_IN JOBLET_KERNEL_OUT
while IFS= read -r -d '' -u "$__joblet_in" __joblet_code; do
    __joblet_cell < /dev/null
    __joblet_rc=$?
    trap '' INT
    if [ "$__joblet_rc" = 0 ]; then __joblet_st=ok; elif [ "$__joblet_rc" = 130 ]; then __joblet_st=interrupted; else __joblet_st=error; fi
    printf '%s %d\n%s' "$__joblet_st" "${#__joblet_rc}" "$__joblet_rc" >&"$__joblet_out"
done
