/* placeholder: replaced by the machine core this session */
int machine_placeholder(void);
int machine_placeholder(void) { return 0; }
