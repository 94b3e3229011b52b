/* placeholder until the display front end lands this session */
int ui_placeholder(void);
int ui_placeholder(void) { return 0; }
